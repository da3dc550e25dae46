import type { FastifyInstance } from 'fastify';
import { DockyardError, parseResourceId, type Logger, type Principal } from '../shared/index.js';
import { errorHandlerFor, requireApiVersion, requirePrincipal } from '../http/index.js';
import { API_VERSIONS, type Registries, type RegistryRow } from '../arm/index.js';
import {
  importImage,
  parseImageRef,
  type RegistryAccessPort,
  type RegistryInfo,
  type RegistryModule,
} from '../registry/index.js';

const BASE = '/subscriptions/:sub/resourcegroups/:rg/providers/Microsoft.ContainerRegistry/registries/:name';
type P = { sub: string; rg: string; name: string };

/** The platform identity `acr import` acts with on the source: system-assigned-like, trusted service `import`. */
export const IMPORT_SERVICE_OBJECT_ID = '00000000-0000-0000-0000-0000000001a1';
export function importServicePrincipal(tenantId: string, targetId: string): Principal {
  return {
    objectId: IMPORT_SERVICE_OBJECT_ID,
    tenantId,
    type: 'ManagedIdentity',
    identityKind: 'SystemAssigned',
    trustedService: 'import',
    displayName: 'Azure Container Registry import',
    ownerResourceId: targetId,
  };
}

const info = (r: RegistryRow): RegistryInfo => ({
  id: r.id,
  name: r.name,
  loginServer: r.login_server,
  adminUserEnabled: r.admin_user_enabled === 1,
});

interface ImportBody {
  source?: { registryUri?: string; resourceId?: string; sourceImage?: string };
  targetTags?: string[];
  untaggedTargetRepositories?: string[];
  mode?: string;
}

/**
 * `POST .../registries/{r}/importImage` (az's body: `{source:{registryUri|resourceId, sourceImage}, targetTags, mode}`):
 * a server-side copy between Dockyard registries. The caller needs pull on the source and push on the target
 * (data-plane rights through the registry's access port, i.e. RBAC); the copy passes the SOURCE registry's network
 * rules only as the trusted service `import` (bypass with `AzureServices`). Answers 200 with what was copied.
 */
export async function wireImport(p: {
  api: FastifyInstance;
  registries: Registries;
  registry: RegistryModule;
  access: RegistryAccessPort;
  tenantId: string;
  log: Logger;
}): Promise<void> {
  const log = p.log.child({ module: 'import' });
  await p.api.register(async (app) => {
    app.setErrorHandler(errorHandlerFor('arm'));
    app.post<{ Params: P }>(`${BASE}/importImage`, async (req) => {
      requireApiVersion(req, API_VERSIONS.registries);
      const principal = requirePrincipal(req);
      const targetRow = await p.registries.get(req.params.sub, req.params.rg, req.params.name);
      const body = (req.body ?? {}) as ImportBody;
      if (!body.source || typeof body.source.sourceImage !== 'string')
        throw new DockyardError(
          'InvalidRequestContent',
          "The request content was invalid: 'source.sourceImage' is required.",
        );
      const mode = String(body.mode ?? 'NoForce');
      if (!['noforce', 'force'].includes(mode.toLowerCase()))
        throw new DockyardError(
          'InvalidParameter',
          `The value '${mode}' of mode is invalid. Allowed values: NoForce, Force.`,
        );
      const sourceRow = await findSource(p.registries, body.source);
      const image = parseImageRef(body.source.sourceImage, 'source image');
      const tags = [
        ...(body.targetTags ?? []).map((t) => parseImageRef(String(t), 'target tag')),
        ...(body.untaggedTargetRepositories ?? []).map((r) => ({
          repository: parseImageRef(String(r), 'target repository').repository,
          reference: { digest: 'untagged' },
        })),
      ];
      const source = info(sourceRow);
      const target = info(targetRow);

      const canPull = await p.access.grantedActions(principal, source, image.repository, ['pull']);
      if (!canPull.includes('pull'))
        throw new DockyardError(
          'AuthorizationFailed',
          `The client '${principal.objectId}' does not have pull access to ${image.repository} in registry '${source.name}'.`,
        );
      for (const repo of new Set((tags.length ? tags : [image]).map((t) => t.repository))) {
        const canPush = await p.access.grantedActions(principal, target, repo, ['push']);
        if (!canPush.includes('push'))
          throw new DockyardError(
            'AuthorizationFailed',
            `The client '${principal.objectId}' does not have push access to ${repo} in registry '${target.name}'.`,
          );
      }
      // The copy runs inside the platform (no client address) as the trusted service `import`.
      const net = await p.access.checkNetwork?.(source, '', importServicePrincipal(p.tenantId, target.id));
      if (net && !net.allowed) {
        throw new DockyardError(
          'ImportSourceNetworkDenied',
          `Import from registry '${source.name}' was denied by its network rules (${net.reason}). Allow trusted services on the source registry ('acr update -n ${source.name} --allow-trusted-services true') or enable its public network access.`,
        );
      }
      const result = await importImage(
        p.registry,
        { registry: source, image },
        { registry: target, tags },
        mode.toLowerCase() === 'force',
      );
      log.info(
        {
          caller: principal.objectId,
          source: source.name,
          target: target.name,
          image: body.source.sourceImage,
          digest: result.digest,
          targets: result.targets,
          network: net?.reason ?? null,
        },
        'image imported',
      );
      return result;
    });
  });
}

async function findSource(registries: Registries, s: NonNullable<ImportBody['source']>): Promise<RegistryRow> {
  if (s.resourceId) {
    const id = parseResourceId(s.resourceId);
    const name = /\/registries\/([^/]+)$/i.exec(s.resourceId)?.[1];
    const row = id && name ? await registries.find(id.subscriptionId, id.resourceGroup, name) : undefined;
    if (!row) throw new DockyardError('InvalidParameter', `The source registry '${s.resourceId}' was not found.`);
    return row;
  }
  if (s.registryUri) {
    const uri = s.registryUri
      .replace(/^https?:\/\//i, '')
      .replace(/\/+$/, '')
      .toLowerCase();
    const row = (await registries.all()).find((r) => r.login_server.toLowerCase() === uri);
    if (!row)
      throw new DockyardError(
        'InvalidParameter',
        `The source registry '${s.registryUri}' is not a registry of this Dockyard; only imports between Dockyard registries are supported.`,
      );
    return row;
  }
  throw new DockyardError(
    'InvalidRequestContent',
    "The request content was invalid: 'source.registryUri' or 'source.resourceId' is required.",
  );
}
