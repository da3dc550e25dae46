import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DockyardError, type Principal } from '../shared/index.js';
import { errorHandlerFor } from '../http/index.js';
import { vaultPage } from './vault-paging.js';
import type { VaultService } from './vault-service.js';

/** Resolves the caller of a data-plane request (bearer token of audience https://vault.azure.net). */
export interface VaultDataPort {
  authenticate(request: FastifyRequest): Promise<Principal | null>;
  /** `Bearer authorization="<authority>", resource="https://vault.azure.net"` */
  challenge(): string;
}

const API = /^7\.[0-9](-preview)?$/;
type R = FastifyRequest<{
  Params: { vault: string; name?: string; version?: string };
  Querystring: Record<string, string | undefined>;
}>;

const attrs = (body: Record<string, unknown>) => {
  const a = (body.attributes && typeof body.attributes === 'object' ? body.attributes : {}) as Record<string, unknown>;
  const num = (v: unknown) => (v === null ? null : typeof v === 'number' ? Math.floor(v) : undefined);
  return {
    ...(typeof a.enabled === 'boolean' ? { enabled: a.enabled } : {}),
    ...(num(a.exp) !== undefined ? { exp: num(a.exp) } : {}),
    ...(num(a.nbf) !== undefined ? { nbf: num(a.nbf) } : {}),
  };
};

/** Key Vault's secrets REST (7.x) under `/keyvault/<vault>/...`, with Key Vault's error envelope and challenge. */
export function registerVaultDataRoutes(vaults: VaultService, port: VaultDataPort) {
  return async function vaultDataPlugin(app: FastifyInstance): Promise<void> {
    app.setErrorHandler(errorHandlerFor('keyvault'));
    const caller = async (req: R): Promise<Principal> => {
      const v = req.query['api-version'];
      if (!v) throw new DockyardError('BadParameter', "The 'api-version' query parameter is missing.");
      if (!API.test(v)) throw new DockyardError('BadParameter', `The specified version (${v}) is not recognized.`);
      let p: Principal | null;
      try {
        p = await port.authenticate(req);
      } catch (err) {
        throw new DockyardError('Unauthorized', `AKV10032: Invalid issuer or token. ${(err as Error).message}`, {
          headers: { 'www-authenticate': port.challenge() },
        });
      }
      if (!p)
        throw new DockyardError('Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.', {
          headers: { 'www-authenticate': port.challenge() },
        });
      return p;
    };
    const body = (req: R) => (req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {});
    const B = '/keyvault/:vault/secrets';

    app.get(B, async (req: R) => vaultPage(req, await vaults.listSecrets(await caller(req), req.params.vault)));
    app.get(`${B}/:name/versions`, async (req: R) =>
      vaultPage(req, await vaults.listVersions(await caller(req), req.params.vault, req.params.name!)),
    );
    app.get(`${B}/:name`, async (req: R) => vaults.getSecret(await caller(req), req.params.vault, req.params.name!));
    app.get(`${B}/:name/:version`, async (req: R) =>
      vaults.getSecret(await caller(req), req.params.vault, req.params.name!, req.params.version || undefined),
    );
    app.put(`${B}/:name`, async (req: R) => {
      const p = await caller(req);
      const b = body(req);
      const a = attrs(b);
      return vaults.setSecret(p, req.params.vault, req.params.name!, {
        value: b.value as string,
        contentType: typeof b.contentType === 'string' ? b.contentType : null,
        tags: b.tags && typeof b.tags === 'object' ? (b.tags as Record<string, string>) : null,
        ...a,
      });
    });
    const patch = async (req: R) => {
      const p = await caller(req);
      const b = body(req);
      return vaults.updateSecret(p, req.params.vault, req.params.name!, req.params.version || undefined, {
        ...attrs(b),
        ...('contentType' in b ? { contentType: (b.contentType as string | null) ?? null } : {}),
        ...('tags' in b ? { tags: (b.tags as Record<string, string> | null) ?? null } : {}),
      });
    };
    app.patch(`${B}/:name`, patch);
    app.patch(`${B}/:name/:version`, patch);
    app.delete(`${B}/:name`, async (req: R) =>
      vaults.deleteSecret(await caller(req), req.params.vault, req.params.name!),
    );
  };
}
