import { arm, dockyard, permissions, sub, V } from '../api.js';
import { DeleteButton } from '../form.js';
import { Show, Table, useLoad } from '../ui.js';
import { AssignmentForm, IdentityForm } from './identity-forms.js';

const MI_WRITE = 'Microsoft.ManagedIdentity/userAssignedIdentities/write';
const MI_DELETE = 'Microsoft.ManagedIdentity/userAssignedIdentities/delete';
const RA_WRITE = 'Microsoft.Authorization/roleAssignments/write';
const RA_DELETE = 'Microsoft.Authorization/roleAssignments/delete';

interface Assignment {
  id: string;
  name: string;
  properties: { principalId: string; principalType: string; roleDefinitionId: string; scope: string };
}

/** Managed identities, and every role assignment the caller can read with the principal and role named. */
export function Identities() {
  const load = useLoad(async () => {
    const identities = (
      await arm<{ value: any[] }>(`${sub()}/providers/Microsoft.ManagedIdentity/userAssignedIdentities`, V.identities)
    ).value;
    const assignments = (
      await arm<{ value: Assignment[] }>(`${sub()}/providers/Microsoft.Authorization/roleAssignments`, V.rbac)
    ).value;
    const defs = (
      await arm<{ value: Array<{ id: string; name: string; properties: { roleName: string } }> }>(
        `${sub()}/providers/Microsoft.Authorization/roleDefinitions`,
        V.rbac,
      )
    ).value;
    const roleName = new Map(defs.map((d) => [d.name.toLowerCase(), d.properties.roleName]));
    const names = new Map<string, string>();
    for (const pid of new Set(assignments.map((a) => a.properties.principalId.toLowerCase()))) {
      const p = await dockyard<{ displayName: string; type: string; identityKind: string | null }>(
        `/dockyard/v1/principals/${pid}`,
      ).catch(() => null);
      if (p) names.set(pid, `${p.displayName} (${p.identityKind ? `${p.identityKind} identity` : p.type})`);
    }
    const can = await permissions(sub(), [MI_WRITE, MI_DELETE, RA_WRITE, RA_DELETE]);
    const groups = (await arm<{ value: Array<{ name: string }> }>(`${sub()}/resourcegroups`, V.resources)).value;
    return { identities, assignments, roleName, names, can, defs, groups };
  }, []);
  return (
    <Show load={load}>
      {({ identities, assignments, roleName, names, can, defs, groups }) => (
        <>
          <h2>User-assigned identities</h2>
          {can[MI_WRITE] ? <IdentityForm groups={groups.map((g) => g.name)} onDone={load.reload} /> : null}
          <Table
            testid="identities"
            rows={identities}
            empty="No user-assigned identities."
            columns={[
              ['Name', (i) => i.name],
              ['Resource group', (i) => i.resourceGroup],
              ['Principal ID', (i) => <code>{i.principalId}</code>],
              ['Client ID', (i) => <code>{i.clientId}</code>],
              [
                'Role assignments',
                (i) =>
                  assignments.filter(
                    (a) => a.properties.principalId.toLowerCase() === String(i.principalId).toLowerCase(),
                  ).length,
              ],
              [
                '',
                (i) =>
                  can[MI_DELETE] ? (
                    <DeleteButton
                      what={`identity ${i.name}`}
                      testid={`delete-identity-${i.name}`}
                      onDelete={async () => {
                        await arm(i.id, V.identities, { method: 'DELETE' });
                        load.reload();
                      }}
                    />
                  ) : null,
              ],
            ]}
          />
          <h2>Role assignments</h2>
          {can[RA_WRITE] ? (
            <AssignmentForm
              principals={[
                ...identities.map((i): [string, string] => [i.principalId, `${i.name} (identity)`]),
                ...[...names].map(([id, label]): [string, string] => [id, label]),
              ]}
              roles={defs.map((d): [string, string] => [d.id, d.properties.roleName])}
              scopes={[sub(), ...groups.map((g) => `${sub()}/resourceGroups/${g.name}`)]}
              onDone={load.reload}
            />
          ) : null}
          <Table
            testid="role-assignments"
            rows={assignments}
            empty="No role assignments you can read."
            columns={[
              [
                'Principal',
                (a) => names.get(a.properties.principalId.toLowerCase()) ?? <code>{a.properties.principalId}</code>,
              ],
              ['Type', (a) => a.properties.principalType],
              [
                'Role',
                (a) =>
                  roleName.get(a.properties.roleDefinitionId.split('/').pop()!.toLowerCase()) ??
                  a.properties.roleDefinitionId,
              ],
              ['Scope', (a) => <code class="small">{a.properties.scope}</code>],
              [
                '',
                (a) =>
                  can[RA_DELETE] ? (
                    <DeleteButton
                      what="this role assignment"
                      testid={`delete-assignment-${a.name}`}
                      onDelete={async () => {
                        await arm(a.id, V.rbac, { method: 'DELETE' });
                        load.reload();
                      }}
                    />
                  ) : null,
              ],
            ]}
          />
        </>
      )}
    </Show>
  );
}
