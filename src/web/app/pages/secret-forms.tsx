import { useState } from 'preact/hooks';
import { vaultData } from '../api.js';
import { formatTime } from '../format.js';
import { Panel, useAction, useFields } from '../form.js';
import { Show, Table, useLoad } from '../ui.js';

/** Set a secret: a new name creates it, an existing name adds a new version (Key Vault's PUT). */
export function SecretForm({ vault, names, onDone }: { vault: string; names: string[]; onDone: () => void }) {
  const [f, set, reset] = useFields({ name: '', value: '', contentType: '' });
  const a = useAction();
  return (
    <Panel
      title="+ Set secret (new, or a new version)"
      testid="set-secret"
      submit="Set secret"
      busy={a.busy}
      error={a.error}
      onSubmit={() =>
        a.run(async () => {
          await vaultData(vault, `/${encodeURIComponent(f.name)}`, {
            method: 'PUT',
            body: { value: f.value, ...(f.contentType ? { contentType: f.contentType } : {}) },
          });
          reset({ name: '', value: '', contentType: '' });
          onDone();
        })
      }
    >
      <label>
        Name
        <input
          name="secretName"
          list="secret-names"
          required
          maxLength={127}
          pattern="[0-9a-zA-Z-]+"
          value={f.name}
          onInput={(e) => set({ name: (e.target as HTMLInputElement).value })}
        />
        <datalist id="secret-names">
          {names.map((n) => (
            <option key={n} value={n} />
          ))}
        </datalist>
      </label>
      <label>
        Value
        <input
          name="secretValue"
          type="password"
          autocomplete="new-password"
          required
          maxLength={25 * 1024}
          value={f.value}
          onInput={(e) => set({ value: (e.target as HTMLInputElement).value })}
        />
      </label>
      <label>
        Content type (optional)
        <input
          name="contentType"
          maxLength={255}
          value={f.contentType}
          onInput={(e) => set({ contentType: (e.target as HTMLInputElement).value })}
        />
      </label>
    </Panel>
  );
}

/** A secret's versions (ids and dates only; values stay behind "Reveal"). */
export function SecretVersions({ vault, name }: { vault: string; name: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button class="small" data-testid={`versions-${name}`} onClick={() => setOpen(!open)}>
        {open ? 'Hide versions' : 'Versions'}
      </button>
      {open ? <VersionList vault={vault} name={name} /> : null}
    </>
  );
}

function VersionList({ vault, name }: { vault: string; name: string }) {
  const load = useLoad(
    () =>
      vaultData<{ value: Array<{ id: string; attributes: { enabled: boolean; created: number } }> }>(
        vault,
        `/${encodeURIComponent(name)}/versions`,
      ),
    [vault, name],
  );
  return (
    <Show load={load}>
      {(d) => (
        <Table
          testid={`secret-versions-${name}`}
          rows={[...d.value].sort((x, y) => y.attributes.created - x.attributes.created)}
          columns={[
            ['Version', (v) => <code class="small">{v.id.split('/').pop()}</code>],
            ['Created', (v) => formatTime(v.attributes.created)],
            ['Enabled', (v) => (v.attributes.enabled ? 'Yes' : 'No')],
          ]}
        />
      )}
    </Show>
  );
}
