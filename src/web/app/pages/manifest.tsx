import { formatBytes, shortDigest } from '../format.js';
import { registryClient } from '../registry-client.js';
import { Crumbs, Fields, Json, Show, Table, useLoad } from '../ui.js';
import { regLink, type RegistryCtx } from './registry.js';
import { DeleteButton } from '../form.js';
import { navigate } from '../router.js';
import { ARTIFACT_DELETE } from './repositories.js';

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  platform?: { os?: string; architecture?: string; variant?: string };
}

/** A manifest: digest, media type, config and layers with sizes (or an index's children), and its referrers. */
export function Manifest({ ctx, repo, reference }: { ctx: RegistryCtx; repo: string; reference: string }) {
  const load = useLoad(async () => {
    const c = registryClient(ctx.name, ctx.registry.loginServer);
    const m = await c.manifest(repo, reference);
    const referrers = await c.referrers(repo, m.digest).catch(() => []);
    return { ...m, referrers };
  }, [ctx.name, repo, reference]);
  return (
    <>
      <Crumbs
        items={[
          ['Repositories', regLink(ctx, 'repositories')],
          [repo, regLink(ctx, 'repositories', repo)],
          [reference.startsWith('sha256:') ? shortDigest(reference) : reference, null],
        ]}
      />
      <Show load={load}>
        {({ manifest, digest, mediaType, referrers }) => {
          const layers = (manifest.layers ?? []) as Descriptor[];
          const children = (manifest.manifests ?? []) as Descriptor[];
          const total = layers.reduce((n, l) => n + (l.size ?? 0), 0) + (manifest.config?.size ?? 0);
          return (
            <section data-testid="manifest">
              {ctx.can[ARTIFACT_DELETE] ? (
                <DeleteButton
                  what={`manifest ${shortDigest(digest)} and every tag pointing to it`}
                  testid="delete-manifest"
                  onDelete={async () => {
                    await registryClient(ctx.name, ctx.registry.loginServer).deleteManifest(repo, digest);
                    navigate('rg', ctx.rg, 'registries', ctx.name, 'repositories', repo);
                  }}
                />
              ) : null}
              <Fields
                items={[
                  ['Digest', <code data-testid="manifest-digest">{digest}</code>],
                  ['Media type', mediaType || manifest.mediaType],
                  ['Artifact type', manifest.artifactType],
                  [
                    'Config',
                    manifest.config ? (
                      <span>
                        <code>{shortDigest(manifest.config.digest)}</code> ({formatBytes(manifest.config.size)},{' '}
                        {manifest.config.mediaType})
                      </span>
                    ) : null,
                  ],
                  ['Total size', layers.length ? formatBytes(total) : null],
                  ['Subject', manifest.subject ? <code>{manifest.subject.digest}</code> : null],
                ]}
              />
              {layers.length ? (
                <>
                  <h3>Layers</h3>
                  <Table
                    testid="layers"
                    rows={layers}
                    columns={[
                      ['#', (l) => layers.indexOf(l) + 1],
                      ['Digest', (l) => <code title={l.digest}>{shortDigest(l.digest)}</code>],
                      ['Size', (l) => formatBytes(l.size)],
                      ['Media type', (l) => <span class="small">{l.mediaType}</span>],
                    ]}
                  />
                </>
              ) : null}
              {children.length ? (
                <>
                  <h3>Manifests in this index</h3>
                  <Table
                    rows={children}
                    columns={[
                      [
                        'Platform',
                        (m) =>
                          [m.platform?.os, m.platform?.architecture, m.platform?.variant].filter(Boolean).join('/'),
                      ],
                      [
                        'Digest',
                        (m) => (
                          <a href={regLink(ctx, 'repositories', repo, 'manifests', m.digest)}>
                            <code>{shortDigest(m.digest)}</code>
                          </a>
                        ),
                      ],
                      ['Size', (m) => formatBytes(m.size)],
                    ]}
                  />
                </>
              ) : null}
              <h3>Referrers</h3>
              <Table
                testid="referrers"
                rows={referrers}
                empty="No signatures, SBOMs or other artifacts refer to this manifest."
                columns={[
                  ['Artifact type', (m) => m.artifactType ?? m.mediaType],
                  [
                    'Digest',
                    (m) => (
                      <a href={regLink(ctx, 'repositories', repo, 'manifests', m.digest)}>
                        <code>{shortDigest(m.digest)}</code>
                      </a>
                    ),
                  ],
                  ['Size', (m) => formatBytes(m.size)],
                ]}
              />
              <details>
                <summary>Raw manifest</summary>
                <Json value={manifest} />
              </details>
            </section>
          );
        }}
      </Show>
    </>
  );
}
