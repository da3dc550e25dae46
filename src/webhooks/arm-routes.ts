import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import {
  armPage,
  authorizeRequest,
  encodeSkipToken,
  errorHandlerFor,
  nextLinkFor,
  pageSizeOf,
  requireApiVersion,
  skipTokenOf,
  type Authorizer,
} from '../http/index.js';
import { DockyardError } from '../shared/index.js';
import type { WebhookDispatcher } from './dispatcher.js';
import type { Webhook, WebhookInput, WebhookRegistry, WebhookStore } from './webhook-store.js';

const BASE = '/subscriptions/:sub/resourcegroups/:rg/providers/Microsoft.ContainerRegistry/registries/:name/webhooks';
type P = { sub: string; rg: string; name: string };
type PW = P & { webhook: string };
const ACTION = 'Microsoft.ContainerRegistry/registries/webhooks';

export interface WebhookArmDeps {
  store: WebhookStore;
  dispatcher: WebhookDispatcher;
  /** Looks a registry up by its ARM path; throws ResourceNotFound. */
  registry(sub: string, rg: string, name: string): Promise<WebhookRegistry>;
  authorizer: Authorizer;
  apiVersions: readonly string[];
}

/** The webhook as az prints it: no serviceUri or customHeaders (only getCallbackConfig returns those). */
export function webhookShape(w: Webhook, resourceGroup: string): Record<string, unknown> {
  return {
    actions: w.actions,
    id: w.id,
    location: w.location,
    name: w.name,
    provisioningState: 'Succeeded',
    resourceGroup,
    scope: w.scope,
    status: w.status,
    systemData: null,
    tags: w.tags,
    type: 'Microsoft.ContainerRegistry/registries/webhooks',
  };
}

function inputOf(req: FastifyRequest): WebhookInput {
  const body = req.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new DockyardError('InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
  const b = body as Record<string, unknown>;
  const p = (b.properties ?? {}) as Record<string, unknown>;
  if (typeof p !== 'object' || Array.isArray(p))
    throw new DockyardError(
      'InvalidRequestContent',
      "The request content was invalid: 'properties' must be an object.",
    );
  const out: WebhookInput = {};
  if (b.location !== undefined) out.location = String(b.location);
  if (b.tags !== undefined && b.tags !== null) out.tags = b.tags as Record<string, string>;
  if (p.serviceUri !== undefined) out.serviceUri = String(p.serviceUri);
  if (p.customHeaders !== undefined) out.customHeaders = (p.customHeaders ?? {}) as Record<string, string>;
  if (p.status !== undefined) out.status = String(p.status);
  if (p.scope !== undefined) out.scope = p.scope === null ? '' : String(p.scope);
  if (p.actions !== undefined) out.actions = p.actions;
  return out;
}

/** ARM: `registries/{r}/webhooks/{w}` (PUT, PATCH, GET, DELETE, list) and the ping/listEvents/getCallbackConfig actions. */
export function webhookArmRoutes(deps: WebhookArmDeps): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.setErrorHandler(errorHandlerFor('arm'));
    const ctx = async (req: FastifyRequest<{ Params: P }>, action: string) => {
      requireApiVersion(req, deps.apiVersions);
      const reg = await deps.registry(req.params.sub, req.params.rg, req.params.name);
      const webhook = (req.params as Partial<PW>).webhook;
      await authorizeRequest(
        req,
        deps.authorizer,
        `${ACTION}/${action}`,
        webhook ? `${reg.id}/webhooks/${webhook}` : reg.id,
      );
      return { reg, rg: reg.id.split('/')[4] };
    };

    app.get<{ Params: P }>(BASE, async (req) => {
      const { reg, rg } = await ctx(req, 'read');
      return armPage(
        req,
        (await deps.store.list(reg)).map((w) => webhookShape(w, rg)),
      );
    });
    app.get<{ Params: PW }>(`${BASE}/:webhook`, async (req) => {
      const { reg, rg } = await ctx(req, 'read');
      return webhookShape(await deps.store.get(reg, req.params.webhook), rg);
    });
    app.put<{ Params: PW }>(`${BASE}/:webhook`, async (req, reply) => {
      const { reg, rg } = await ctx(req, 'write');
      const { webhook, created } = await deps.store.put(reg, req.params.webhook, inputOf(req));
      return reply.status(created ? 201 : 200).send(webhookShape(webhook, rg));
    });
    app.patch<{ Params: PW }>(`${BASE}/:webhook`, async (req) => {
      const { reg, rg } = await ctx(req, 'write');
      return webhookShape(await deps.store.patch(reg, req.params.webhook, inputOf(req)), rg);
    });
    app.delete<{ Params: PW }>(`${BASE}/:webhook`, async (req, reply) => {
      const { reg } = await ctx(req, 'delete');
      return reply.status((await deps.store.delete(reg, req.params.webhook)) ? 200 : 204).send();
    });
    app.post<{ Params: PW }>(`${BASE}/:webhook/ping`, async (req) => {
      const { reg } = await ctx(req, 'ping/action');
      return deps.dispatcher.ping(reg, req.params.webhook);
    });
    // POST for the first page (as ARM documents it); the nextLink is fetched with GET, as az and the SDKs do.
    const listEvents = async (req: FastifyRequest<{ Params: PW }>) => {
      const { reg } = await ctx(req, 'listEvents/action');
      const before = skipTokenOf<{ s?: number }>(req)?.s;
      if (before !== undefined && !Number.isSafeInteger(before))
        throw new DockyardError('InvalidParameter', "The query parameter '$skipToken' is invalid.");
      const page = await deps.dispatcher.listEvents(reg, req.params.webhook, pageSizeOf(req), before);
      return page.last === undefined
        ? { value: page.events }
        : { value: page.events, nextLink: nextLinkFor(req, encodeSkipToken({ s: page.last })) };
    };
    app.post<{ Params: PW }>(`${BASE}/:webhook/listEvents`, listEvents);
    app.get<{ Params: PW }>(`${BASE}/:webhook/listEvents`, listEvents);
    app.post<{ Params: PW }>(`${BASE}/:webhook/getCallbackConfig`, async (req) => {
      const { reg } = await ctx(req, 'getCallbackConfig/action');
      return deps.store.callbackConfig(reg, req.params.webhook);
    });
  };
}
