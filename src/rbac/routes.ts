import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DockyardError, isGuid, parseResourceId } from '../shared/index.js';
import { armPage, authorizeRequest, errorHandlerFor, requireApiVersion, requirePrincipal } from '../http/index.js';
import type { Rbac } from './rbac.js';
import { assignmentShape, definitionShape, subscriptionOf } from './shapes.js';
import { scopeCovers } from './authorize.js';
import type { RoleAssignment } from './assignments.js';

/** What RBAC needs to know about principals and scopes (implemented by the composition root). */
export interface RbacDirectoryPort {
  principalType(objectId: string): Promise<'User' | 'ServicePrincipal' | 'Group' | null>;
  /** Throws ARM's not-found error when the scope names a subscription or resource group that does not exist. */
  checkScope(scope: string): Promise<void>;
}

export const RBAC_API_VERSIONS = [
  '2022-04-01',
  '2022-01-01-preview',
  '2020-10-01-preview',
  '2020-08-01-preview',
  '2020-04-01-preview',
  '2018-09-01-preview',
  '2018-07-01',
  '2018-01-01-preview',
  '2015-07-01',
];

const MARK = '/providers/microsoft.authorization/';

interface Target {
  scope: string;
  kind: 'roleAssignments' | 'roleDefinitions';
  name?: string;
}

/** Splits `{scope}/providers/Microsoft.Authorization/{roleAssignments|roleDefinitions}[/{name}]`. */
export function parseAuthorizationPath(rawPath: string): Target | null {
  const path = decodeURIComponent(rawPath.split('?')[0]).replace(/\/+$/, '');
  const i = path.toLowerCase().lastIndexOf(MARK);
  if (i < 0) return null;
  const scope = path.slice(0, i) || '/';
  const rest = path.slice(i + MARK.length).split('/');
  const kindRaw = rest[0]?.toLowerCase();
  const kind =
    kindRaw === 'roleassignments' ? 'roleAssignments' : kindRaw === 'roledefinitions' ? 'roleDefinitions' : null;
  if (!kind || rest.length > 2) return null;
  if (scope !== '/' && !parseResourceId(scope))
    throw new DockyardError('InvalidScope', `The scope '${scope}' is not valid.`);
  return { scope, kind, ...(rest[1] ? { name: rest[1] } : {}) };
}

/** `$filter` forms az sends: `principalId eq 'x'`, `atScope()`, `assignedTo('x')`, `roleName eq 'x'`. */
function parseFilter(filter: string | undefined): { principalId?: string; atScope?: boolean; roleName?: string } {
  if (!filter) return {};
  const out: { principalId?: string; atScope?: boolean; roleName?: string } = {};
  const pid = /principalId\s+eq\s+'([^']+)'/i.exec(filter) ?? /assignedTo\('([^']+)'\)/i.exec(filter);
  if (pid) out.principalId = pid[1].toLowerCase();
  if (/atScope\(\)/i.test(filter)) out.atScope = true;
  const rn = /roleName\s+eq\s+'([^']+)'/i.exec(filter);
  if (rn) out.roleName = rn[1];
  return out;
}

/** ARM's Microsoft.Authorization: role assignments (PUT/GET/DELETE/list at any scope) and role definitions. */
export function registerRbacRoutes(rbac: Rbac, port: RbacDirectoryPort) {
  return async function rbacPlugin(app: FastifyInstance): Promise<void> {
    app.setErrorHandler(errorHandlerFor('arm'));
    const handler = async (req: FastifyRequest<{ Querystring: Record<string, string> }>) => {
      const t = parseAuthorizationPath(req.url);
      if (!t)
        throw new DockyardError(
          'InvalidResourceType',
          `The resource type could not be found for path '${req.url.split('?')[0]}'.`,
        );
      requireApiVersion(req, RBAC_API_VERSIONS);
      if (t.kind === 'roleDefinitions') return roleDefinitions(req, t);
      if (req.method === 'PUT') return putAssignment(req, t);
      if (req.method === 'DELETE') return deleteAssignment(req, t);
      return getAssignments(req, t);
    };

    async function roleDefinitions(req: FastifyRequest<{ Querystring: Record<string, string> }>, t: Target) {
      requirePrincipal(req);
      if (req.method !== 'GET')
        throw new DockyardError('OperationNotAllowed', 'Custom role definitions are not supported.');
      const sub = subscriptionOf(t.scope);
      if (t.name) {
        const d = rbac.findRole(t.name);
        if (!d)
          throw new DockyardError('RoleDefinitionNotFound', `The role definition '${t.name}' could not be found.`);
        return definitionShape(d, sub);
      }
      const { roleName } = parseFilter(req.query.$filter);
      const defs = roleName
        ? rbac.definitions.filter((d) => d.roleName.toLowerCase() === roleName.toLowerCase())
        : rbac.definitions;
      return armPage(
        req,
        defs.map((d) => definitionShape(d, sub)),
      );
    }

    async function putAssignment(req: FastifyRequest<{ Querystring: Record<string, string> }>, t: Target) {
      if (!t.name || !isGuid(t.name))
        throw new DockyardError(
          'InvalidRoleAssignmentId',
          `The role assignment ID '${t.name ?? ''}' is not valid. The role assignment ID must be a GUID.`,
        );
      const caller = await authorizeRequest(req, rbac, 'Microsoft.Authorization/roleAssignments/write', t.scope);
      await port.checkScope(t.scope);
      const body = (req.body ?? {}) as {
        properties?: { roleDefinitionId?: string; principalId?: string; principalType?: string; description?: string };
      };
      const p = body.properties ?? {};
      if (!p.roleDefinitionId || !p.principalId)
        throw new DockyardError(
          'InvalidRequestContent',
          "The request must have 'properties.roleDefinitionId' and 'properties.principalId'.",
        );
      const def = rbac.findRole(p.roleDefinitionId);
      if (!def)
        throw new DockyardError(
          'RoleDefinitionNotFound',
          `The role definition '${p.roleDefinitionId}' could not be found.`,
        );
      const type = await port.principalType(p.principalId);
      if (!type)
        throw new DockyardError(
          'PrincipalNotFound',
          `Principal ${p.principalId.replace(/-/g, '')} does not exist in the directory ${caller.tenantId}.`,
        );
      const existingByName = await rbac.assignments.get(t.name);
      if (existingByName) {
        if (
          existingByName.roleDefinitionId === def.id &&
          existingByName.principalId === p.principalId.toLowerCase() &&
          existingByName.scope.toLowerCase() === t.scope.toLowerCase()
        )
          return assignmentShape(existingByName);
        throw new DockyardError(
          'Conflict',
          'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.',
        );
      }
      if (await rbac.assignments.find(t.scope, def.id, p.principalId))
        throw new DockyardError('RoleAssignmentExists', 'The role assignment already exists.');
      const a = await rbac.assignments.create({
        scope: t.scope,
        roleId: def.id,
        principalId: p.principalId,
        principalType: p.principalType ?? type,
        name: t.name,
        description: p.description ?? null,
        createdBy: caller.objectId,
      });
      req.log.info(
        { assignment: a.name, role: def.roleName, principalId: a.principalId, scope: a.scope },
        'role assignment created',
      );
      return assignmentShape(a);
    }

    async function deleteAssignment(req: FastifyRequest<{ Querystring: Record<string, string> }>, t: Target) {
      if (!t.name) throw new DockyardError('InvalidRoleAssignmentId', 'A role assignment name is required.');
      const a = await rbac.assignments.get(t.name);
      if (!a || a.scope.toLowerCase() !== t.scope.toLowerCase()) {
        await authorizeRequest(req, rbac, 'Microsoft.Authorization/roleAssignments/delete', t.scope);
        return undefined; // ARM answers 204 for an absent assignment
      }
      await authorizeRequest(req, rbac, 'Microsoft.Authorization/roleAssignments/delete', a.scope);
      await rbac.assignments.delete(a.name);
      return assignmentShape(a);
    }

    async function getAssignments(req: FastifyRequest<{ Querystring: Record<string, string> }>, t: Target) {
      await authorizeRequest(req, rbac, 'Microsoft.Authorization/roleAssignments/read', t.scope);
      if (t.name) {
        const a = await rbac.assignments.get(t.name);
        if (!a || a.scope.toLowerCase() !== t.scope.toLowerCase())
          throw new DockyardError('RoleAssignmentNotFound', `The role assignment '${t.name}' is not found.`);
        return assignmentShape(a);
      }
      const f = parseFilter(req.query.$filter);
      const visible = (a: RoleAssignment) =>
        scopeCovers(a.scope, t.scope) || (!f.atScope && scopeCovers(t.scope, a.scope));
      const all = f.principalId ? await rbac.assignments.forPrincipal(f.principalId) : await rbac.assignments.all();
      return armPage(req, all.filter(visible).map(assignmentShape));
    }

    app.route({
      method: ['GET', 'PUT', 'DELETE'],
      url: '/subscriptions/*',
      handler: async (req, reply) => {
        const out = await handler(req as FastifyRequest<{ Querystring: Record<string, string> }>);
        if (req.method === 'PUT') return reply.status(201).send(out);
        if (out === undefined) return reply.status(204).send();
        return reply.send(out);
      },
    });
    app.get('/providers/Microsoft.Authorization/*', async (req) =>
      handler(req as FastifyRequest<{ Querystring: Record<string, string> }>),
    );
  };
}
