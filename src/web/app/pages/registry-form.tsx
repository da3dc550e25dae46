import { arm, sub, V } from '../api.js';
import { Check, Choice, Panel, Text, useAction, useFields } from '../form.js';

export interface RegistryFields {
  rg: string;
  name: string;
  location: string;
  sku: string;
  adminUserEnabled: boolean;
  publicNetworkAccess: string;
  defaultAction: string;
  ipRules: string;
  trustedServices: string;
}

/** The form's fields of an existing registry (flat 2023-07-01 shape or ARM's `properties`). */
export function registryFields(r: any): RegistryFields {
  const p = r.properties ?? r;
  return {
    rg: p.resourceGroup ?? String(r.id).split('/')[4],
    name: r.name,
    location: r.location,
    sku: r.sku?.name ?? 'Basic',
    adminUserEnabled: !!p.adminUserEnabled,
    publicNetworkAccess: p.publicNetworkAccess ?? 'Enabled',
    defaultAction: p.networkRuleSet?.defaultAction ?? 'Allow',
    ipRules: (p.networkRuleSet?.ipRules ?? []).map((x: any) => x.ipAddressOrRange ?? x.value).join('\n'),
    trustedServices: p.networkRuleBypassOptions ?? 'AzureServices',
  };
}

/** The ARM body: network rules only on Premium (the API refuses them on other SKUs, as ACR). */
export function registryBody(f: RegistryFields): Record<string, unknown> {
  const ipRules = f.ipRules
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((value) => ({ action: 'Allow', value }));
  return {
    location: f.location,
    sku: { name: f.sku },
    properties: {
      adminUserEnabled: f.adminUserEnabled,
      publicNetworkAccess: f.publicNetworkAccess,
      networkRuleBypassOptions: f.trustedServices,
      ...(f.sku === 'Premium' ? { networkRuleSet: { defaultAction: f.defaultAction, ipRules } } : {}),
    },
  };
}

export const registryPath = (rg: string, name: string) =>
  `${sub()}/resourceGroups/${encodeURIComponent(rg)}/providers/Microsoft.ContainerRegistry/registries/${encodeURIComponent(name)}`;

/** Create (PUT) a registry, or update (PATCH) one: SKU, admin user, public access, default action, IP rules, bypass. */
export function RegistryForm({
  groups,
  initial,
  onDone,
}: {
  groups: string[];
  initial?: RegistryFields;
  onDone: (rg: string, name: string) => void;
}) {
  const editing = !!initial;
  const [f, set] = useFields<RegistryFields>(
    initial ?? {
      rg: groups[0] ?? '',
      name: '',
      location: 'eastus',
      sku: 'Basic',
      adminUserEnabled: false,
      publicNetworkAccess: 'Enabled',
      defaultAction: 'Allow',
      ipRules: '',
      trustedServices: 'AzureServices',
    },
  );
  const a = useAction();
  const save = () =>
    a.run(async () => {
      await arm(registryPath(f.rg, f.name), V.registries, {
        method: editing ? 'PATCH' : 'PUT',
        body: registryBody(f),
      });
      onDone(f.rg, f.name);
    });
  return (
    <Panel
      title={editing ? 'Edit registry settings' : '+ Create registry'}
      testid={editing ? 'update-registry' : 'create-registry'}
      submit={editing ? 'Save' : 'Create'}
      busy={a.busy}
      error={a.error}
      onSubmit={save}
    >
      {editing ? null : (
        <>
          <Choice label="Resource group" name="rg" value={f.rg} set={(rg) => set({ rg })} options={groups} />
          <Text label="Registry name" name="name" value={f.name} set={(name) => set({ name })} required />
          <Text label="Location" name="location" value={f.location} set={(location) => set({ location })} />
        </>
      )}
      <Choice
        label="SKU"
        name="sku"
        value={f.sku}
        set={(sku) => set({ sku })}
        options={['Basic', 'Standard', 'Premium']}
      />
      <Choice
        label="Public network access"
        name="publicNetworkAccess"
        value={f.publicNetworkAccess}
        set={(publicNetworkAccess) => set({ publicNetworkAccess })}
        options={['Enabled', 'Disabled']}
      />
      <Choice
        label="Trusted services bypass"
        name="trustedServices"
        value={f.trustedServices}
        set={(trustedServices) => set({ trustedServices })}
        options={['AzureServices', 'None']}
      />
      <Check
        label="Admin user"
        name="adminUserEnabled"
        value={f.adminUserEnabled}
        set={(adminUserEnabled) => set({ adminUserEnabled })}
      />
      {f.sku === 'Premium' ? (
        <>
          <Choice
            label="Network default action"
            name="defaultAction"
            value={f.defaultAction}
            set={(defaultAction) => set({ defaultAction })}
            options={['Allow', 'Deny']}
          />
          <Text
            label="IP rules (addresses or CIDR ranges, space separated)"
            name="ipRules"
            value={f.ipRules}
            set={(ipRules) => set({ ipRules })}
            placeholder="203.0.113.0/24 198.51.100.7"
          />
        </>
      ) : null}
    </Panel>
  );
}
