import type { FastifyInstance } from 'fastify';
import { DockyardError, parseResourceId } from '../../shared/index.js';
import type { SetValue, TaskProperties } from '../resources/model.js';
import { encodeSkipToken, nextLinkFor, pageSizeOf, skipTokenOf, topOf } from '../../http/index.js';
import { runShape } from '../runs/run-shape.js';
import type { RunScheduler } from '../runs/run-scheduler.js';
import { TERMINAL } from '../runs/model.js';
import { BLOB_ACCOUNT, LOG_CONTAINER, UPLOAD_CONTAINER } from '../blob/blob-host.js';
import { signBlobSas } from '../blob/blob-sas.js';
import { mintLogLinkToken, parseLogLinkToken, verifyLogLink } from '../runs/log-links.js';
import { checkContextRelativePath, checkSourceLocation, checkStepSources } from '../runner/source-policy.js';
import { requestedUserIdentities, requireAssignOnIdentities, userIdentitiesOf } from './linked-access.js';
import { body, REG_BASE, registryFor, type RegParams, type TaskRouteDeps } from './context.js';

type RP = RegParams & { runId: string };
/** How long a build-source upload URL stays valid (an hour, like ACR's). */
const UPLOAD_URL_TTL_MS = 60 * 60 * 1000;
const SCHEDULE = 'Microsoft.ContainerRegistry/registries/scheduleRun/action';

function splitValues(raw: unknown): { values: SetValue[]; secure: Record<string, string> } {
  const values: SetValue[] = [];
  const secure: Record<string, string> = {};
  for (const v of (Array.isArray(raw) ? raw : []) as Array<Record<string, unknown>>) {
    const name = String(v.name ?? '');
    if (!name) throw new DockyardError('InvalidParameter', 'A value needs a name.');
    if (v.isSecret) {
      secure[`value:${name}`] = String(v.value ?? '');
      values.push({ name, value: null, isSecret: true });
    } else
      values.push({ name, value: v.value === null || v.value === undefined ? null : String(v.value), isSecret: false });
  }
  return { values, secure };
}

/** A run request's top-level `agentPoolName` (null when absent): 3–20 letters, digits and hyphens. */
function poolNameOf(v: unknown): string | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string' || !/^[a-zA-Z0-9-]{3,20}$/.test(v))
    throw new DockyardError('InvalidParameter', `The agent pool name '${String(v).slice(0, 40)}' is invalid.`);
  return v;
}

export function registerRunRoutes(app: FastifyInstance, deps: TaskRouteDeps, scheduler: RunScheduler): void {
  app.post<{ Params: RegParams }>(`${REG_BASE}/scheduleRun`, async (req, reply) => {
    const { reg, principal } = await registryFor(req, deps, SCHEDULE);
    const b = body(req);
    const type = String(b.type ?? '');
    const agentPoolName = poolNameOf(b.agentPoolName);
    const sourceLocation = (b.sourceLocation as string | undefined) ?? undefined;
    const uploaded =
      sourceLocation && sourceLocation.startsWith('source/') ? await deps.uploads.locate(sourceLocation) : null;
    const contextPath = uploaded ? null : (sourceLocation ?? null);
    let run;
    if (type === 'TaskRunRequest') {
      const taskId = String(b.taskId ?? '');
      const parsed = parseResourceId(taskId);
      const taskName = parsed?.segments.find(([t]) => t.toLowerCase() === 'tasks')?.[1] ?? taskId;
      const task = await deps.taskStore.get(`${reg.id}/tasks/${taskName}`);
      if (!task)
        throw new DockyardError('ResourceNotFound', `The task '${taskName}' was not found in registry '${reg.name}'.`);
      if (task.properties.status === 'Disabled')
        throw new DockyardError('OperationNotAllowed', `The task '${task.name}' is disabled.`);
      const o = (b.overrideTaskStepProperties as Record<string, unknown> | undefined) ?? {};
      const { values, secure } = splitValues(o.values);
      const overrideContext = o.contextPath ? String(o.contextPath) : undefined;
      const overrideUpload = overrideContext?.startsWith('source/')
        ? await deps.uploads.locate(overrideContext)
        : undefined;
      if (overrideContext && !overrideUpload) await checkSourceLocation(deps.sourcePolicy, overrideContext);
      if (o.file) checkContextRelativePath(String(o.file), 'task file');
      // Other code (another context, task file or content) running with the task's user-assigned identities is an
      // attachment of those identities: it needs assign/action on them, as attaching them to a task does.
      if (o.file || overrideContext || o.encodedTaskContent)
        await requireAssignOnIdentities(deps.authorizer, principal, userIdentitiesOf(task.identity), {
          action: SCHEDULE,
          scope: reg.id,
        });
      run = await scheduler.runTask(task, reg, {
        values,
        secureValues: secure,
        ...(o.file ? { taskFilePath: String(o.file) } : {}),
        ...(overrideUpload
          ? { uploadedContext: overrideUpload }
          : overrideContext
            ? { contextPath: overrideContext }
            : {}),
        ...(o.encodedTaskContent ? { encodedTaskContent: String(o.encodedTaskContent) } : {}),
        ...(agentPoolName ? { agentPoolName } : {}),
      });
    } else if (type === 'EncodedTaskRunRequest' || type === 'FileTaskRunRequest' || type === 'DockerBuildRequest') {
      const { values, secure } = splitValues(type === 'DockerBuildRequest' ? b.arguments : b.values);
      let step: TaskProperties['step'];
      if (type === 'EncodedTaskRunRequest') {
        if (!b.encodedTaskContent) throw new DockyardError('InvalidParameter', "'encodedTaskContent' is required.");
        step = {
          type: 'EncodedTask',
          contextPath,
          contextAccessToken: null,
          encodedTaskContent: String(b.encodedTaskContent),
          encodedValuesContent: (b.encodedValuesContent as string) ?? null,
          values,
          baseImageDependencies: null,
        };
      } else if (type === 'FileTaskRunRequest') {
        step = {
          type: 'FileTask',
          contextPath,
          contextAccessToken: null,
          taskFilePath: String(b.taskFilePath ?? 'acb.yaml'),
          valuesFilePath: (b.valuesFilePath as string) ?? null,
          values,
          baseImageDependencies: null,
        };
      } else {
        step = {
          type: 'Docker',
          contextPath,
          contextAccessToken: null,
          dockerFilePath: String(b.dockerFilePath ?? 'Dockerfile'),
          imageNames: Array.isArray(b.imageNames) ? b.imageNames.map(String) : [],
          isPushEnabled: b.isPushEnabled === undefined ? true : Boolean(b.isPushEnabled),
          noCache: Boolean(b.noCache),
          target: (b.target as string) ?? null,
          arguments: values,
          baseImageDependencies: null,
        };
      }
      await checkStepSources(deps.sourcePolicy, step as Parameters<typeof checkStepSources>[1]);
      if (requestedUserIdentities(b.identity).length) {
        // Quick runs carry no identity in ACR's API; asking for one is refused as an attachment would be without rights.
        await requireAssignOnIdentities(deps.authorizer, principal, requestedUserIdentities(b.identity), {
          action: SCHEDULE,
          scope: reg.id,
        });
        throw new DockyardError(
          'InvalidParameter',
          'Quick runs (acr run, acr build) cannot carry an identity: create a task with --assign-identity and run it.',
        );
      }
      run = await scheduler.quickRun(reg, {
        step,
        platform: b.platform as Record<string, unknown> | undefined,
        timeout: b.timeout === undefined ? undefined : Number(b.timeout),
        values: type === 'DockerBuildRequest' ? [] : values,
        secureValues: secure,
        uploadedContext: uploaded,
        agentPoolName,
      });
    } else {
      throw new DockyardError(
        'InvalidParameter',
        `The run request type '${type}' is invalid. Allowed: TaskRunRequest, EncodedTaskRunRequest, FileTaskRunRequest, DockerBuildRequest.`,
      );
    }
    return reply.status(200).send(runShape(run));
  });

  // Newest first, a page at a time: `$top` caps the total (as ACR does), `$skipToken` (in nextLink) continues
  // after the last run of the previous page (keyset on the run sequence, so the cost of a page is flat).
  app.get<{ Params: RegParams; Querystring: { $filter?: string; $top?: string; $skipToken?: string } }>(
    `${REG_BASE}/runs`,
    async (req) => {
      const { reg } = await registryFor(req, deps, 'Microsoft.ContainerRegistry/registries/runs/read');
      const filter = req.query.$filter ?? '';
      const task = /TaskName eq '([^']+)'/i.exec(filter)?.[1];
      const status = /Status eq '([^']+)'/i.exec(filter)?.[1];
      const token = skipTokenOf<{ s?: number; r?: number }>(req);
      if (token && (!Number.isSafeInteger(token.s) || (token.r !== undefined && !Number.isSafeInteger(token.r))))
        throw new DockyardError('InvalidParameter', "The query parameter '$skipToken' is invalid.");
      const remaining = token ? token.r : topOf(req);
      const size = Math.min(pageSizeOf(req), remaining ?? Infinity);
      const runs = await deps.runs.list(reg.name, { taskName: task, status, top: size + 1, beforeSeq: token?.s });
      const page = runs.slice(0, size);
      const left = remaining === undefined ? undefined : remaining - page.length;
      const more = runs.length > size && (left === undefined || left > 0);
      const body: { value: unknown[]; nextLink?: string } = { value: page.map(runShape) };
      if (more)
        body.nextLink = nextLinkFor(
          req,
          encodeSkipToken({ s: page[page.length - 1].seq, ...(left === undefined ? {} : { r: left }) }),
        );
      return body;
    },
  );

  app.get<{ Params: RP }>(`${REG_BASE}/runs/:runId`, async (req) => {
    const { reg } = await registryFor(req, deps, 'Microsoft.ContainerRegistry/registries/runs/read');
    const run = await deps.runs.get(reg.name, req.params.runId);
    if (!run)
      throw new DockyardError('RunNotFound', `The run '${req.params.runId}' was not found in registry '${reg.name}'.`);
    return runShape(run);
  });

  app.post<{ Params: RP }>(`${REG_BASE}/runs/:runId/cancel`, async (req, reply) => {
    const { reg } = await registryFor(req, deps, 'Microsoft.ContainerRegistry/registries/runs/cancel/action');
    const run = await deps.runs.get(reg.name, req.params.runId);
    if (!run)
      throw new DockyardError('RunNotFound', `The run '${req.params.runId}' was not found in registry '${reg.name}'.`);
    if (TERMINAL.includes(run.status)) return reply.status(200).send();
    if (run.agentPool && run.status !== 'Queued') {
      // An agent's run: ended here (conditionally); the agent's next heartbeat is refused and it stops the run.
      await deps.queue.finishRemote(run, 'Canceled', { runErrorMessage: 'The run was canceled.' }, {});
      return reply.status(202).send();
    }
    if (!deps.queue.cancel(reg.name, run.runId)) {
      // Not yet claimed: cancel the queued row directly.
      await deps.runs.setStatus(run, 'Canceled', { runErrorMessage: 'The run was canceled.' });
      await deps.logs.writer(reg.name, run.runId).last(`Run ID: ${run.runId} was canceled before it started`);
    }
    return reply.status(202).send();
  });

  app.post<{ Params: RP }>(`${REG_BASE}/runs/:runId/listLogSasUrl`, async (req) => {
    const { reg } = await registryFor(req, deps, 'Microsoft.ContainerRegistry/registries/runs/listLogSasUrl/action');
    const run = await deps.runs.get(reg.name, req.params.runId);
    if (!run)
      throw new DockyardError('RunNotFound', `The run '${req.params.runId}' was not found in registry '${reg.name}'.`);
    const expiresAt = new Date(deps.clock.now().getTime() + deps.logLinkTtlMs);
    const blob = deps.blobBase();
    if (blob) {
      // Login servers by name: an Azure Storage SAS URL on the blob host, read by az's storage SDK like ACR's.
      const scope = {
        account: BLOB_ACCOUNT,
        container: LOG_CONTAINER,
        blob: `${run.registryName}/${run.runId}/rawtext.log`,
      };
      return {
        logLink: `${blob}/${scope.container}/${scope.blob}?${signBlobSas(run.logToken, scope, 'r', expiresAt)}`,
      };
    }
    const logLink = `${deps.endpoint()}/dockyard/v1/logs/${mintLogLinkToken(run, expiresAt)}`;
    // The Azure CLI streams `logArtifactLink` with a plain GET (its `logLink` path needs an Azure Storage host name):
    // offer the same log, followed until the run ends.
    return { logLink, logArtifactLink: `${logLink}?follow=1` };
  });

  app.post<{ Params: RegParams }>(`${REG_BASE}/listBuildSourceUploadUrl`, async (req) => {
    await registryFor(req, deps, 'Microsoft.ContainerRegistry/registries/listBuildSourceUploadUrl/action');
    const { token, relativePath, expiresAt } = await deps.uploads.allocate(UPLOAD_URL_TTL_MS);
    const blob = deps.blobBase();
    if (blob) {
      // Login servers by name: `https://<account>.blob.<suffix>/<container>/<relativePath>?<SAS>`, as az parses it.
      const scope = { account: BLOB_ACCOUNT, container: UPLOAD_CONTAINER, blob: relativePath };
      const sas = signBlobSas(deps.uploads.sasKey, scope, 'cw', expiresAt);
      return { uploadUrl: `${blob}/${scope.container}/${relativePath}?${sas}`, relativePath };
    }
    return { uploadUrl: `${deps.endpoint()}/dockyard/v1/uploads/${token}`, relativePath };
  });
}

/**
 * Unauthenticated by design, like a SAS URL: the signed token in the path is the credential, and it expires
 * (runs/log-links.ts). A run followed before its link expired streams to its end.
 */
export function registerLogAndUploadRoutes(app: FastifyInstance, deps: TaskRouteDeps): void {
  app.get<{ Params: { token: string }; Querystring: { follow?: string } }>(
    '/dockyard/v1/logs/:token',
    async (req, reply) => {
      const claims = parseLogLinkToken(req.params.token);
      const run = claims ? await deps.runs.get(claims.registryName, claims.runId) : null;
      const verdict = claims && run ? verifyLogLink(claims, run.logToken, deps.clock.now()) : 'invalid';
      if (!claims || !run || verdict === 'invalid')
        throw new DockyardError('ResourceNotFound', 'The log was not found.');
      if (verdict === 'expired') {
        throw new DockyardError(
          'LogLinkExpired',
          `The log link expired at ${new Date(claims.expiresAt * 1000).toISOString()}; request a new one (az acr task logs).`,
        );
      }
      const follow = req.query.follow === '1' || req.query.follow === 'true';
      const isFinished = async () => {
        const r = await deps.runs.get(run.registryName, run.runId);
        return !r || TERMINAL.includes(r.status);
      };
      // In the database: whichever node ran the run (or received an agent's chunks), every node serves it.
      const stream = deps.logs.stream(run, follow, isFinished);
      const current = await deps.runs.get(run.registryName, run.runId);
      void reply
        .header('content-type', 'text/plain; charset=utf-8')
        .header('x-ms-meta-Complete', current && TERMINAL.includes(current.status) ? current.status.toLowerCase() : '');
      return reply.send(stream);
    },
  );

  app.put<{ Params: { token: string } }>('/dockyard/v1/uploads/:token', async (req, reply) => {
    await deps.uploads.receive(req.params.token, req.raw);
    return reply.status(201).send();
  });
}
