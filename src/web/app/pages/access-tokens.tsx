import { arm } from '../api.js';
import { formatTime } from '../format.js';
import { Show, Status, Table, useLoad } from '../ui.js';
import type { RegistryCtx } from './registry.js';

/** Tokens and scope maps take any dated api-version; this is the one az 2.45 sends. */
const TOKENS_API = '2022-02-01-preview';

/** A registry's scope maps and the tokens that use them (read-only; passwords are never shown after creation). */
export function AccessTokens({ ctx }: { ctx: RegistryCtx }) {
  const maps = useLoad(() => arm<{ value: any[] }>(`${ctx.registry.id}/scopeMaps`, TOKENS_API), [ctx.registry.id]);
  const tokens = useLoad(() => arm<{ value: any[] }>(`${ctx.registry.id}/tokens`, TOKENS_API), [ctx.registry.id]);
  return (
    <section data-testid="access-tokens">
      <h3>Tokens</h3>
      <Show load={tokens}>
        {(d) => (
          <Table
            testid="tokens"
            rows={d.value}
            empty="No tokens: create one with `dockyard acr token create`."
            columns={[
              ['Name', (t) => t.name],
              [
                'Scope map',
                (t) =>
                  String(t.properties?.scopeMapId ?? '')
                    .split('/')
                    .pop(),
              ],
              ['Status', (t) => <Status value={t.properties?.status} />],
              [
                'Passwords',
                (t) =>
                  (t.properties?.credentials?.passwords ?? []).map((p: any) => (
                    <div key={p.name}>
                      {p.name}: created {formatTime(p.creationTime)}
                      {p.expiry ? `, expires ${formatTime(p.expiry)}` : ', no expiry'}
                    </div>
                  )),
              ],
              ['Created', (t) => formatTime(t.properties?.creationDate)],
            ]}
          />
        )}
      </Show>
      <h3>Scope maps</h3>
      <Show load={maps}>
        {(d) => (
          <Table
            testid="scope-maps"
            rows={d.value}
            columns={[
              ['Name', (m) => m.name],
              ['Type', (m) => m.properties?.type],
              ['Description', (m) => m.properties?.description],
              [
                'Actions',
                (m) =>
                  (m.properties?.actions ?? []).map((a: string) => (
                    <div key={a}>
                      <code class="small">{a}</code>
                    </div>
                  )),
              ],
            ]}
          />
        )}
      </Show>
    </section>
  );
}
