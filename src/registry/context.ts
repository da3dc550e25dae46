import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BlobStore } from '../storage/index.js';
import type { Logger, Principal } from '../shared/index.js';
import type { RegistryMetadata } from './metadata.js';
import type { TokenService, AccessEntry } from './token-service.js';
import type { AdminUsers } from './admin-user.js';
import type { RegistryTokens } from './repo-tokens.js';
import type { RegistryLocks } from './locks.js';
import type { RegistryAccessPort, RegistryDirectory, RegistryInfo, RegistryObserver } from './ports.js';

import type { DigestLocks } from './digest-locks.js';

export interface RegistryLimits {
  /** Largest blob accepted (bytes). */
  maxBlobSize: number;
  /** Largest manifest accepted (bytes); ACR allows 4 MiB. */
  maxManifestSize: number;
}

/** Everything the data-plane handlers share. */
export interface RegistryDeps {
  metadata: RegistryMetadata;
  blobs: BlobStore;
  tokens: TokenService;
  admins: AdminUsers;
  /** Tokens and scope maps (repository-scoped credentials). */
  repoTokens: RegistryTokens;
  /** Changeable attributes (locks) of repositories, tags and manifests. */
  repoLocks: RegistryLocks;
  access: RegistryAccessPort;
  directory: RegistryDirectory;
  locks: DigestLocks;
  limits: RegistryLimits;
  log: Logger;
  /** Requests the server gave up because their client went away (or the server stopped). */
  stats: { abandoned: number };
  /** Test seams: `manifestRow` runs once per manifest a `_manifests` page builds. */
  hooks?: { manifestRow?: () => Promise<void> | void };
  observer?: RegistryObserver;
}

/** One data-plane request, after routing. */
export interface RequestContext {
  deps: RegistryDeps;
  registry: RegistryInfo;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Aborted when the client closed the connection before the response was sent, or the server is stopping. */
  signal: AbortSignal;
  /** Set once the request is authenticated. */
  principal: Principal | null;
  /** Scopes granted by the bearer token (or computed for Basic auth). */
  access: AccessEntry[];
  /** Network-rule state: the client address and whether the rules (or a trusted-service bypass) admit it. */
  network?: { ip: string; open: boolean; reason: string };
}

/** The request block of an outbox event (webhook payload `request`): a fresh id, the Host, method and User-Agent. */
export function requestInfo(ctx: Pick<RequestContext, 'req' | 'registry'>): {
  id: string;
  host: string;
  method: string;
  useragent: string;
} {
  const h = ctx.req.headers;
  return {
    id: randomUUID(),
    host: String(h.host ?? ctx.registry.loginServer),
    method: ctx.req.method ?? 'GET',
    useragent: String(h['user-agent'] ?? ''),
  };
}
