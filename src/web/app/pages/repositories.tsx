import { formatTime, shortDigest } from '../format.js';
import { registryClient } from '../registry-client.js';
import { Crumbs, Show, Table, useLoad } from '../ui.js';
import { DeleteButton } from '../form.js';

export const ARTIFACT_DELETE = 'Microsoft.ContainerRegistry/registries/artifacts/delete';
import { regLink, type RegistryCtx } from './registry.js';

export function Repositories({ ctx }: { ctx: RegistryCtx }) {
  const load = useLoad(() => registryClient(ctx.name, ctx.registry.loginServer).repositories(), [ctx.name]);
  return (
    <Show load={load}>
      {(repos) => (
        <Table
          testid="repositories"
          rows={repos}
          empty="No repositories yet: push an image or run a task."
          columns={[['Repository', (r) => <a href={regLink(ctx, 'repositories', r)}>{r}</a>]]}
        />
      )}
    </Show>
  );
}

/** The locks an attributes object sets (ACR's `changeableAttributes`: a false `*Enabled` is a lock). */
function Locks({ attrs, testid }: { attrs: Record<string, boolean> | undefined; testid?: string }) {
  const off = ['write', 'delete', 'list', 'read'].filter((k) => attrs?.[`${k}Enabled`] === false);
  return <span data-testid={testid}>{off.length ? `🔒 no ${off.join(', no ')}` : 'unlocked'}</span>;
}

export function Tags({ ctx, repo }: { ctx: RegistryCtx; repo: string }) {
  const load = useLoad(() => registryClient(ctx.name, ctx.registry.loginServer).tags(repo), [ctx.name, repo]);
  const info = useLoad(() => registryClient(ctx.name, ctx.registry.loginServer).repository(repo), [ctx.name, repo]);
  return (
    <>
      <Crumbs
        items={[
          ['Repositories', regLink(ctx, 'repositories')],
          [repo, null],
        ]}
      />
      <h3>
        Tags of <code>{repo}</code>
      </h3>
      <p>
        Repository locks: {info.data ? <Locks attrs={info.data.changeableAttributes} testid="repository-locks" /> : '…'}
      </p>
      <Show load={load}>
        {(tags) => (
          <Table
            testid="tags"
            rows={tags}
            empty="No tags."
            columns={[
              ['Tag', (t) => <a href={regLink(ctx, 'repositories', repo, 'manifests', t.name)}>{t.name}</a>],
              [
                'Digest',
                (t) => (
                  <a href={regLink(ctx, 'repositories', repo, 'manifests', t.digest)}>
                    <code title={t.digest}>{shortDigest(t.digest)}</code>
                  </a>
                ),
              ],
              ['Created', (t) => formatTime(t.createdTime)],
              ['Updated', (t) => formatTime(t.lastUpdateTime)],
              ['Locks', (t) => <Locks attrs={t.changeableAttributes} />],
              [
                '',
                (t) =>
                  ctx.can[ARTIFACT_DELETE] ? (
                    <DeleteButton
                      what={`tag ${repo}:${t.name} (the manifest stays)`}
                      testid={`delete-tag-${t.name}`}
                      onDelete={async () => {
                        await registryClient(ctx.name, ctx.registry.loginServer).deleteTag(repo, t.name);
                        load.reload();
                      }}
                    />
                  ) : null,
              ],
              ['Pull', (t) => <code class="small">{`${ctx.registry.loginServer}/${repo}:${t.name}`}</code>],
            ]}
          />
        )}
      </Show>
    </>
  );
}
