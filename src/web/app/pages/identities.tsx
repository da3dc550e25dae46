import { arm, dockyard, sub, V } from '../api.js';
import { Show, Table, useLoad } from '../ui.js';

interface Assignment {
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
    return { identities, assignments, roleName, names };
  }, []);
  return (
    <Show load={load}>
      {({ identities, assignments, roleName, names }) => (
        <>
          <h2>User-assigned identities</h2>
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
            ]}
          />
          <h2>Role assignments</h2>
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
            ]}
          />
        </>
      )}
    </Show>
  );
}
