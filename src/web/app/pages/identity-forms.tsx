import { arm, dockyard, sub, V } from '../api.js';
import { Choice, Panel, Text, useAction, useFields } from '../form.js';

/** ARM's principalType: managed identities are service principals (as az sends). */
const principalType = (t: string) => (t === 'User' || t === 'Group' ? t : 'ServicePrincipal');

/** Create a user-assigned managed identity. */
export function IdentityForm({ groups, onDone }: { groups: string[]; onDone: () => void }) {
  const [f, set] = useFields({ rg: groups[0] ?? '', name: '', location: 'eastus' });
  const a = useAction();
  return (
    <Panel
      title="+ Create identity"
      testid="create-identity"
      submit="Create"
      busy={a.busy}
      error={a.error}
      onSubmit={() =>
        a.run(async () => {
          await arm(
            `${sub()}/resourceGroups/${encodeURIComponent(f.rg)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${encodeURIComponent(f.name)}`,
            V.identities,
            { method: 'PUT', body: { location: f.location } },
          );
          onDone();
        })
      }
    >
      <Choice label="Resource group" name="rg" value={f.rg} set={(rg) => set({ rg })} options={groups} />
      <Text label="Name" name="name" value={f.name} set={(name) => set({ name })} required />
      <Text label="Location" name="location" value={f.location} set={(location) => set({ location })} />
    </Panel>
  );
}

/**
 * Assign a role: the principal is picked from the identities and principals the page knows (or typed: an object id,
 * app id or identity resource id, resolved by the directory), the role from the role definitions, the scope typed or
 * picked (subscription, resource groups).
 */
export function AssignmentForm({
  principals,
  roles,
  scopes,
  onDone,
}: {
  principals: Array<[string, string]>;
  roles: Array<[string, string]>;
  scopes: string[];
  onDone: () => void;
}) {
  const [f, set] = useFields({ principal: '', role: roles[0]?.[0] ?? '', scope: scopes[0] ?? sub() });
  const a = useAction();
  return (
    <Panel
      title="+ Add role assignment"
      testid="create-assignment"
      submit="Assign"
      busy={a.busy}
      error={a.error}
      onSubmit={() =>
        a.run(async () => {
          const p = await dockyard<{ objectId: string; type: string }>(
            `/dockyard/v1/principals/${encodeURIComponent(f.principal.trim())}`,
          );
          await arm(
            `${f.scope.trim()}/providers/Microsoft.Authorization/roleAssignments/${crypto.randomUUID()}`,
            V.rbac,
            {
              method: 'PUT',
              body: {
                properties: { roleDefinitionId: f.role, principalId: p.objectId, principalType: principalType(p.type) },
              },
            },
          );
          onDone();
        })
      }
    >
      <label>
        Principal (pick or paste an object id / app id)
        <input
          name="principal"
          list="known-principals"
          value={f.principal}
          required
          maxLength={512}
          onInput={(e) => set({ principal: (e.target as HTMLInputElement).value })}
        />
        <datalist id="known-principals">
          {principals.map(([id, label]) => (
            <option key={id} value={id}>
              {label}
            </option>
          ))}
        </datalist>
      </label>
      <Choice label="Role" name="role" value={f.role} set={(role) => set({ role })} options={roles} />
      <label class="wide">
        Scope
        <input
          name="scope"
          list="known-scopes"
          value={f.scope}
          required
          maxLength={1024}
          onInput={(e) => set({ scope: (e.target as HTMLInputElement).value })}
        />
        <datalist id="known-scopes">
          {scopes.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      </label>
    </Panel>
  );
}
