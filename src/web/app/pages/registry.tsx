import { arm, permissions, sub, V } from '../api.js';
import { href } from '../router.js';
import { Crumbs, Fields, Show, useLoad } from '../ui.js';
import { Repositories, Tags } from './repositories.js';
import { Manifest } from './manifest.js';
import { Task, Tasks } from './tasks.js';
import { Run, Runs } from './runs.js';
import { AccessTokens } from './access-tokens.js';
import { Webhooks } from './webhooks.js';
import { Usage } from './usage.js';
import { RegistryCharts } from './activity-charts.js';
import { RegistryActions } from './registry-actions.js';

export interface RegistryCtx {
  rg: string;
  name: string;
  registry: any;
  can: Record<string, boolean>;
}

const TABS: Array<[string, string]> = [
  ['', 'Overview'],
  ['repositories', 'Repositories'],
  ['tasks', 'Tasks'],
  ['runs', 'Runs'],
  ['tokens', 'Tokens'],
  ['webhooks', 'Webhooks'],
];

export function regLink(ctx: { rg: string; name: string }, ...rest: string[]): string {
  return href('rg', ctx.rg, 'registries', ctx.name, ...rest);
}

/** One registry: properties, and its repositories, tasks and runs (`rest` is the route after the registry). */
export function Registry({ rg, name, rest }: { rg: string; name: string; rest: string[] }) {
  const load = useLoad(async () => {
    const registry = await arm(
      `${sub()}/resourceGroups/${rg}/providers/Microsoft.ContainerRegistry/registries/${name}`,
      V.registries,
    );
    const can = await permissions(registry.id);
    return { registry, can };
  }, [rg, name]);
  const tab = rest[0] ?? '';
  return (
    <Show load={load}>
      {({ registry, can }) => {
        const ctx: RegistryCtx = { rg, name, registry, can };
        return (
          <>
            <Crumbs
              items={[
                ['Registries', '#/'],
                [name, regLink(ctx)],
              ]}
            />
            <h2>
              {registry.name} <span class="muted small">{registry.loginServer}</span>
            </h2>
            <nav class="tabs-nav">
              {TABS.map(([k, label]) => (
                <a key={k} href={k ? regLink(ctx, k) : regLink(ctx)} class={tab === k ? 'active' : ''}>
                  {label}
                </a>
              ))}
            </nav>
            {tab === '' ? <RegistryProperties r={registry} /> : null}
            {tab === '' ? <RegistryActions ctx={ctx} reload={load.reload} /> : null}
            {tab === '' ? <RegistryCharts ctx={ctx} /> : null}
            {tab === '' ? <Usage ctx={ctx} /> : null}
            {tab === 'tokens' ? <AccessTokens ctx={ctx} /> : null}
            {tab === 'webhooks' ? <Webhooks ctx={ctx} /> : null}
            {tab === 'repositories' && rest.length === 1 ? <Repositories ctx={ctx} /> : null}
            {tab === 'repositories' && rest.length === 2 ? <Tags ctx={ctx} repo={rest[1]} /> : null}
            {tab === 'repositories' && rest.length === 4 ? (
              <Manifest ctx={ctx} repo={rest[1]} reference={rest[3]} />
            ) : null}
            {tab === 'tasks' && rest.length === 1 ? <Tasks ctx={ctx} /> : null}
            {tab === 'tasks' && rest.length === 2 ? <Task ctx={ctx} task={rest[1]} /> : null}
            {tab === 'runs' && rest.length === 1 ? <Runs ctx={ctx} /> : null}
            {tab === 'runs' && rest.length === 2 ? <Run ctx={ctx} runId={rest[1]} /> : null}
          </>
        );
      }}
    </Show>
  );
}

function RegistryProperties({ r }: { r: any }) {
  const rules = r.networkRuleSet as {
    defaultAction: string;
    ipRules: Array<{ action: string; ipAddressOrRange: string }>;
  } | null;
  return (
    <section data-testid="registry-properties">
      <Fields
        items={[
          ['Login server', <code>{r.loginServer}</code>],
          ['SKU', r.sku?.name],
          ['Location', r.location],
          ['Resource group', r.resourceGroup],
          ['Created', r.creationDate],
          ['Admin user', r.adminUserEnabled ? 'Enabled' : 'Disabled'],
          ['Anonymous pull', r.anonymousPullEnabled ? 'Enabled' : 'Disabled'],
          ['Public network access', r.publicNetworkAccess],
          ['Network default action', rules ? rules.defaultAction : 'Allow (network rules need the Premium SKU)'],
          [
            'IP rules',
            rules && rules.ipRules.length
              ? rules.ipRules.map((x) => (
                  <div key={x.ipAddressOrRange}>
                    <code>{x.ipAddressOrRange}</code> ({x.action})
                  </div>
                ))
              : null,
          ],
          ['Trusted services bypass', r.networkRuleBypassOptions],
          ['Tasks bypass network rules', r.networkRuleBypassAllowedForTasks ? 'Yes' : 'No'],
          [
            'Retention (untagged manifests)',
            r.policies?.retentionPolicy?.status === 'enabled'
              ? `Enabled: deleted after ${r.policies.retentionPolicy.days} days`
              : 'Disabled',
          ],
          ['Resource ID', <code class="small">{r.id}</code>],
        ]}
      />
    </section>
  );
}
