import { useState } from 'preact/hooks';
import { arm, dockyard, sub, V, vaultData } from '../api.js';
import { SecretForm, SecretVersions } from './secret-forms.js';
import { formatTime, maskSecret } from '../format.js';
import { href } from '../router.js';
import { Crumbs, ErrorBox, Fields, Show, Table, useLoad } from '../ui.js';

export function Vaults() {
  const load = useLoad(() => arm<{ value: any[] }>(`${sub()}/providers/Microsoft.KeyVault/vaults`, V.vaults), []);
  return (
    <>
      <h2>Key vaults</h2>
      <Show load={load}>
        {(d) => (
          <Table
            testid="vaults"
            rows={d.value}
            empty="No key vaults."
            columns={[
              [
                'Name',
                (v) => <a href={href('rg', v.resourceGroup ?? v.id.split('/')[4], 'vaults', v.name)}>{v.name}</a>,
              ],
              ['Location', (v) => v.location],
              ['URI', (v) => <code>{v.properties?.vaultUri}</code>],
              ['Authorization', (v) => (v.properties?.enableRbacAuthorization ? 'Azure RBAC' : 'Access policies')],
            ]}
          />
        )}
      </Show>
    </>
  );
}

/** A secret's value stays masked until the caller asks; the read is the caller's own (Key Vault checks it). */
function SecretValue({ vault, name }: { vault: string; name: string }) {
  const [value, setValue] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const reveal = async () => {
    setError(null);
    try {
      const s = await vaultData<{ value: string }>(vault, `/${encodeURIComponent(name)}`);
      setValue(s.value);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <span class="secret">
      {value === null ? (
        <span data-testid={`secret-masked-${name}`}>{maskSecret(undefined)}</span>
      ) : (
        <code data-testid={`secret-value-${name}`}>{value}</code>
      )}{' '}
      {value === null ? (
        <button class="small" data-testid={`reveal-${name}`} onClick={reveal}>
          Reveal
        </button>
      ) : (
        <button class="small" onClick={() => setValue(null)}>
          Hide
        </button>
      )}
      {error ? <ErrorBox error={error} /> : null}
    </span>
  );
}

export function Vault({ rg, name }: { rg: string; name: string }) {
  const vault = useLoad(
    () => arm(`${sub()}/resourceGroups/${rg}/providers/Microsoft.KeyVault/vaults/${name}`, V.vaults),
    [rg, name],
  );
  const secrets = useLoad(
    () =>
      vaultData<{
        value: Array<{
          id: string;
          attributes: { enabled: boolean; updated: number; created: number };
          contentType?: string;
        }>;
      }>(name, ''),
    [name],
  );
  const can = useLoad(
    () => dockyard<{ allowed: Record<string, boolean> }>(`/dockyard/v1/permissions/vault/${encodeURIComponent(name)}`),
    [name],
  );
  return (
    <>
      <Crumbs
        items={[
          ['Key vaults', '#/vaults'],
          [name, null],
        ]}
      />
      <h2>{name}</h2>
      <Show load={vault}>
        {(v) => (
          <Fields
            items={[
              ['Vault URI', <code>{v.properties?.vaultUri}</code>],
              ['Authorization', v.properties?.enableRbacAuthorization ? 'Azure RBAC' : 'Access policies'],
              [
                'Access policies',
                (v.properties?.accessPolicies ?? []).map((p: any) => (
                  <div key={p.objectId}>
                    <code>{p.objectId}</code>: secrets {(p.permissions?.secrets ?? []).join(', ') || 'none'}
                  </div>
                )),
              ],
            ]}
          />
        )}
      </Show>
      <h3>Secrets</h3>
      {can.data?.allowed.set ? (
        <SecretForm
          vault={name}
          names={(secrets.data?.value ?? []).map((s) => s.id.split('/').pop()!)}
          onDone={secrets.reload}
        />
      ) : null}
      <Show load={secrets}>
        {(d) => (
          <Table
            testid="secrets"
            rows={d.value}
            empty="No secrets."
            columns={[
              ['Name', (s) => s.id.split('/').pop()!],
              ['Value', (s) => <SecretValue vault={name} name={s.id.split('/').pop()!} />],
              ['Enabled', (s) => (s.attributes?.enabled ? 'Yes' : 'No')],
              ['Updated', (s) => formatTime(s.attributes?.updated)],
              ['', (s) => <SecretVersions vault={name} name={s.id.split('/').pop()!} />],
            ]}
          />
        )}
      </Show>
    </>
  );
}
