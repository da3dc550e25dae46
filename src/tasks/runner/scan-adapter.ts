import { normaliseImageReference, scanDockerfile, type ImageRecord } from '../scan/index.js';
import type { DockerfileScanner } from './ports.js';

/**
 * The runner's view of a dependency scan: the references as the Dockerfile wrote them (after ARG expansion and stage
 * aliases), so the engine can inspect the local image; the report normalises them as ACR does.
 */
export const scanWithAcbRules: DockerfileScanner = (text, buildArgs, target) => {
  const scan = scanDockerfile(text, { buildArgs, target });
  const origins = scan.stages.map((s) => s.origin).filter((o) => o && o !== 'scratch');
  const original = (rec: ImageRecord): string => {
    if (rec.repository === 'scratch' || rec.reference.endsWith('scratch:latest')) return 'scratch:latest';
    return origins.find((o) => normaliseImageReference(o).reference === rec.reference) ?? rec.reference;
  };
  return { runtime: scan.runtime ? original(scan.runtime) : null, buildtime: scan.buildtime.map(original) };
};
