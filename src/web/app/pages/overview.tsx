import { arm, permissions, sub, V } from '../api.js';
import { href, navigate } from '../router.js';
import { rgAndName } from '../format.js';
import { DeleteButton, Panel, Text, useAction, useFields } from '../form.js';
import { Show, Table, useLoad } from '../ui.js';
import { RegistryForm } from './registry-form.js';

const RG_WRITE = 'Microsoft.Resources/subscriptions/resourceGroups/write';
const RG_DELETE = 'Microsoft.Resources/subscriptions/resourceGroups/delete';
const REG_WRITE = 'Microsoft.ContainerRegistry/registries/write';

/** Resource groups and registries of the subscription, with the create/delete forms the caller may use. */
export function Overview() {
  const groups = useLoad(() => arm<{ value: any[] }>(`${sub()}/resourcegroups`, V.resources), []);
  const registries = useLoad(
    () => arm<{ value: any[] }>(`${sub()}/providers/Microsoft.ContainerRegistry/registries`, V.registries),
    [],
  );
  const can = useLoad(() => permissions(sub(), [RG_WRITE, RG_DELETE, REG_WRITE]), []);
  const names = (groups.data?.value ?? []).map((g) => rgAndName(g.id).name);
  return (
    <>
      <h2>Registries</h2>
      {can.data?.[REG_WRITE] && groups.data ? (
        <RegistryForm groups={names} onDone={(rg, name) => navigate('rg', rg, 'registries', name)} />
      ) : null}
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
      {can.data?.[RG_WRITE] ? <GroupForm onDone={groups.reload} /> : null}
      <Show load={groups}>
        {(d) => (
          <Table
            testid="groups"
            rows={d.value}
            columns={[
              ['Name', (g) => rgAndName(g.id).name],
              ['Location', (g) => g.location],
              ['State', (g) => g.properties?.provisioningState],
              [
                '',
                (g) =>
                  can.data?.[RG_DELETE] ? (
                    <DeleteButton
                      what={`resource group ${rgAndName(g.id).name} and everything in it`}
                      testid={`delete-group-${rgAndName(g.id).name}`}
                      onDelete={async () => {
                        await arm(g.id, V.resources, { method: 'DELETE' });
                        groups.reload();
                        registries.reload();
                      }}
                    />
                  ) : null,
              ],
            ]}
          />
        )}
      </Show>
    </>
  );
}

function GroupForm({ onDone }: { onDone: () => void }) {
  const [f, set] = useFields({ name: '', location: 'eastus' });
  const a = useAction();
  return (
    <Panel
      title="+ Create resource group"
      testid="create-group"
      submit="Create"
      busy={a.busy}
      error={a.error}
      onSubmit={() =>
        a.run(async () => {
          await arm(`${sub()}/resourcegroups/${encodeURIComponent(f.name)}`, V.resources, {
            method: 'PUT',
            body: { location: f.location },
          });
          onDone();
        })
      }
    >
      <Text label="Name" name="name" value={f.name} set={(name) => set({ name })} required />
      <Text label="Location" name="location" value={f.location} set={(location) => set({ location })} />
    </Panel>
  );
}
