import { arm, sub, V } from '../api.js';
import { href } from '../router.js';
import { rgAndName } from '../format.js';
import { Show, Table, useLoad } from '../ui.js';

/** Resource groups and registries of the subscription. */
export function Overview() {
  const groups = useLoad(() => arm<{ value: any[] }>(`${sub()}/resourcegroups`, V.resources), []);
  const registries = useLoad(
    () => arm<{ value: any[] }>(`${sub()}/providers/Microsoft.ContainerRegistry/registries`, V.registries),
    [],
  );
  return (
    <>
      <h2>Registries</h2>
      <Show load={registries}>
        {(d) => (
          <Table
            testid="registries"
            rows={d.value}
            empty="No registries yet: create one with `dockyard acr create`."
            columns={[
              ['Name', (r) => <a href={href('rg', r.resourceGroup, 'registries', r.name)}>{r.name}</a>],
              ['Resource group', (r) => r.resourceGroup],
              ['Login server', (r) => <code>{r.loginServer}</code>],
              ['SKU', (r) => r.sku?.name],
              ['Public network access', (r) => r.publicNetworkAccess],
              ['Default action', (r) => r.networkRuleSet?.defaultAction ?? '—'],
              ['Trusted services', (r) => r.networkRuleBypassOptions],
            ]}
          />
        )}
      </Show>
      <h2>Resource groups</h2>
      <Show load={groups}>
        {(d) => (
          <Table
            testid="groups"
            rows={d.value}
            columns={[
              ['Name', (g) => rgAndName(g.id).name],
              ['Location', (g) => g.location],
              ['State', (g) => g.properties?.provisioningState],
            ]}
          />
        )}
      </Show>
    </>
  );
}
