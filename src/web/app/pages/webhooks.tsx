import { useState } from 'preact/hooks';
import { arm, V } from '../api.js';
import { Show, Status, Table, useLoad } from '../ui.js';
import type { RegistryCtx } from './registry.js';

/** Webhooks of a registry; a row opens its recent deliveries (request and response, as `acr webhook list-events`). */
export function Webhooks({ ctx }: { ctx: RegistryCtx }) {
  const load = useLoad(() => arm<{ value: any[] }>(`${ctx.registry.id}/webhooks`, V.registries), [ctx.registry.id]);
  const [open, setOpen] = useState<string | null>(null);
  return (
    <section data-testid="webhooks-page">
      <Show load={load}>
        {(d) => (
          <Table
            testid="webhooks"
            rows={d.value}
            empty="No webhooks: create one with `dockyard acr webhook create`."
            columns={[
              [
                'Name',
                (w) => (
                  <button class="link" data-testid={`webhook-${w.name}`} onClick={() => setOpen(w.name)}>
                    {w.name}
                  </button>
                ),
              ],
              ['Status', (w) => <Status value={w.status} />],
              ['Actions', (w) => (w.actions ?? []).join(', ')],
              ['Scope', (w) => (w.scope ? <code>{w.scope}</code> : 'all repositories')],
            ]}
          />
        )}
      </Show>
      {open ? <Deliveries ctx={ctx} webhook={open} /> : null}
    </section>
  );
}

function Deliveries({ ctx, webhook }: { ctx: RegistryCtx; webhook: string }) {
  const load = useLoad(
    () =>
      arm<{ value: any[] }>(`${ctx.registry.id}/webhooks/${encodeURIComponent(webhook)}/listEvents`, V.registries, {
        method: 'POST',
      }),
    [ctx.registry.id, webhook],
  );
  return (
    <>
      <h3>
        Recent deliveries of <code>{webhook}</code>
      </h3>
      <Show load={load}>
        {(d) => (
          <Table
            testid="webhook-events"
            rows={d.value}
            empty="No deliveries yet."
            columns={[
              ['Time', (e) => e.eventRequestMessage?.content?.timestamp ?? '—'],
              ['Action', (e) => e.eventRequestMessage?.content?.action],
              [
                'Target',
                (e) => {
                  const t = e.eventRequestMessage?.content?.target ?? {};
                  return <code>{t.tag ? `${t.repository}:${t.tag}` : (t.repository ?? '—')}</code>;
                },
              ],
              ['Request', (e) => `${e.eventRequestMessage?.method ?? ''} ${e.eventRequestMessage?.requestUri ?? ''}`],
              [
                'Response',
                (e) =>
                  e.eventResponseMessage
                    ? `${e.eventResponseMessage.statusCode} ${e.eventResponseMessage.reasonPhrase ?? ''}`
                    : 'pending',
              ],
            ]}
          />
        )}
      </Show>
    </>
  );
}
