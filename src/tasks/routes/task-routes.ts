import type { FastifyInstance } from 'fastify';
import { DockyardError, type Principal } from '../../shared/index.js';
import { armPage } from '../../http/index.js';
import { taskShape } from '../resources/task-shape.js';
import { requestedUserIdentities, requireAssignOnIdentities, userIdentitiesOf } from './linked-access.js';
import { body, REG_BASE, registryFor, type RegParams, type TaskRouteDeps } from './context.js';

type TP = RegParams & { task: string };
const WRITE = 'Microsoft.ContainerRegistry/registries/tasks/write';

export function registerTaskRoutes(app: FastifyInstance, deps: TaskRouteDeps): void {
  const load = async (reg: { id: string }, name: string) => {
    const task = await deps.taskStore.get(`${reg.id}/tasks/${name}`);
    if (!task)
      throw new DockyardError(
        'ResourceNotFound',
        `The Resource 'Microsoft.ContainerRegistry/registries/tasks/${name}' was not found.`,
      );
    return task;
  };

  /** Registry owners (registry write permission) alone may allow privileged steps (security-model.md). */
  const callerOf = async (principal: Principal, reg: { id: string }) => ({
    registryOwner: await deps.authorizer.isAllowed(principal, 'Microsoft.ContainerRegistry/registries/write', reg.id),
  });

  app.put<{ Params: TP }>(`${REG_BASE}/tasks/:task`, async (req, reply) => {
    const { reg, principal } = await registryFor(req, deps, WRITE);
    const b = body(req);
    const existing = await deps.taskStore.get(`${reg.id}/tasks/${req.params.task}`);
    await requireAssignOnIdentities(
      deps.authorizer,
      principal,
      requestedUserIdentities(b.identity),
      { action: WRITE, scope: reg.id },
      userIdentitiesOf(existing?.identity),
    );
    const { task } = await deps.tasks.createOrReplace(reg, req.params.task, b, await callerOf(principal, reg));
    // ACR answers a task PUT with 200 even on creation; the Azure CLI relies on it (`az acr task create` returns the raw
    // pipeline response, not the task, for any other status).
    return reply.status(200).send(taskShape(task));
  });

  app.patch<{ Params: TP }>(`${REG_BASE}/tasks/:task`, async (req) => {
    const { reg, principal } = await registryFor(req, deps, WRITE);
    const task = await load(reg, req.params.task);
    const b = body(req);
    await requireAssignOnIdentities(
      deps.authorizer,
      principal,
      requestedUserIdentities(b.identity),
      { action: WRITE, scope: reg.id },
      userIdentitiesOf(task.identity),
    );
    return taskShape(await deps.tasks.update(task, reg.id, b, await callerOf(principal, reg)));
  });

  app.get<{ Params: TP }>(`${REG_BASE}/tasks/:task`, async (req) => {
    const { reg } = await registryFor(req, deps, 'Microsoft.ContainerRegistry/registries/tasks/read');
    return taskShape(await load(reg, req.params.task));
  });

  app.post<{ Params: TP }>(`${REG_BASE}/tasks/:task/listDetails`, async (req) => {
    const { reg } = await registryFor(req, deps, 'Microsoft.ContainerRegistry/registries/tasks/listDetails/action');
    return taskShape(await load(reg, req.params.task), true);
  });

  app.get<{ Params: RegParams }>(`${REG_BASE}/tasks`, async (req) => {
    const { reg } = await registryFor(req, deps, 'Microsoft.ContainerRegistry/registries/tasks/read');
    return armPage(
      req,
      (await deps.taskStore.listByRegistry(reg.id)).map((t) => taskShape(t)),
    );
  });

  app.delete<{ Params: TP }>(`${REG_BASE}/tasks/:task`, async (req, reply) => {
    const { reg } = await registryFor(req, deps, 'Microsoft.ContainerRegistry/registries/tasks/delete');
    const task = await deps.taskStore.get(`${reg.id}/tasks/${req.params.task}`);
    if (!task) return reply.status(204).send();
    await deps.tasks.delete(task);
    return reply.status(200).send();
  });
}
