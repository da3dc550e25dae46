import { stringify } from 'yaml';
import { parseImageRef } from '../engine/index.js';
import type { OutputImage, RunResult } from '../runs/model.js';
import type { RunState } from './step-exec.js';

/** Docker Hub names as ACR records them: `registry.hub.docker.com` + `library/<name>`. */
function dependencyRef(ref: string, digest?: string): OutputImage {
  const p = parseImageRef(ref);
  const registry = p.registry === 'docker.io' ? 'registry.hub.docker.com' : p.registry;
  return { registry, repository: p.repository, tag: p.tag ?? '', digest: digest ?? '' };
}

/** The dependency report (acr-reference.md §4.2) and the run's output images, masked with the run's secrets. */
export function buildReport(state: RunState, gitHeadRevision?: string): { text: string; result: RunResult } {
  const entries: Array<Record<string, unknown>> = [];
  const dependencies: NonNullable<RunResult['dependencies']> = [];
  const outputImages: OutputImage[] = [];
  for (const [image, digest] of state.pushed) {
    const p = parseImageRef(image);
    outputImages.push({ registry: p.registry, repository: p.repository, tag: p.tag ?? '', digest });
  }
  for (const [, b] of state.built) {
    const runtime = b.deps.runtime
      ? dependencyRef(
          b.deps.runtime,
          b.deps.runtime === 'scratch:latest' ? undefined : b.depDigests.get(b.deps.runtime),
        )
      : null;
    const buildtime = b.deps.buildtime.map((r) => dependencyRef(r, b.depDigests.get(r)));
    const tags = b.tags.length ? b.tags : [null];
    for (const tag of tags) {
      let image: OutputImage | null = null;
      if (tag) {
        const p = parseImageRef(tag);
        image = {
          registry: p.registry,
          repository: p.repository,
          tag: p.tag ?? '',
          digest: state.pushed.get(tag) ?? '',
        };
      }
      const entry: Record<string, unknown> = {
        image: image ? clean(image) : null,
        'runtime-dependency': runtime ? clean(runtime) : null,
      };
      if (buildtime.length) entry['buildtime-dependency'] = buildtime.map(clean);
      entry.git = gitHeadRevision ? { 'git-head-revision': gitHeadRevision } : {};
      entries.push(entry);
      dependencies.push({ image, runtime, buildtime, ...(gitHeadRevision ? { gitHeadRevision } : {}) });
    }
  }
  const text = entries.length ? stringify(entries, { indent: 2 }) : '';
  const secrets = state.log.secrets;
  return { text: secrets.mask(text), result: secrets.maskDeep({ outputImages, dependencies }) };
}

const clean = (i: OutputImage) => ({
  registry: i.registry,
  repository: i.repository,
  tag: i.tag,
  ...(i.digest ? { digest: i.digest } : {}),
});
