import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK, type CryptoKey } from 'jose';
import { newGuid, type Principal } from '../shared/index.js';

export const TOKEN_ISSUER = 'Azure Container Registry';
export const ACCESS_TOKEN_SECONDS = 4500;
export const REFRESH_TOKEN_SECONDS = 3 * 3600;

export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

export interface VerifiedToken {
  principal: Principal;
  access: AccessEntry[];
  expiresAt: number;
}

type Kind = 'access_token' | 'refresh_token';

/**
 * Issues and verifies the registry's refresh and access tokens: ES256 JWTs signed with a key shared by every API
 * node, `aud` = the registry's login server. Verification pins the algorithm (no `alg: none`, no other keys),
 * issuer, audience, `nbf`/`exp` and the token kind. Verified tokens are cached until they expire.
 */
export class TokenService {
  private readonly cache = new Map<string, { v: VerifiedToken; kind: Kind; aud: string }>();

  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    readonly keyId: string,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** A fresh ES256 signing key as JWK JSON (what `jwkJson` takes). */
  static async newKey(): Promise<string> {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    return JSON.stringify({ ...(await exportJWK(privateKey)), kid: newGuid(), alg: 'ES256' });
  }

  /** `jwkJson`: the private signing key, the same on every API node (registryKeys). */
  static async open(jwkJson: string, now?: () => number): Promise<TokenService> {
    const jwk = JSON.parse(jwkJson) as JWK;
    const priv = (await importJWK(jwk, 'ES256')) as CryptoKey;
    const { d: _d, ...pub } = jwk;
    const pubKey = (await importJWK(pub, 'ES256')) as CryptoKey;
    return new TokenService(priv, pubKey, String(jwk.kid), now);
  }

  private async sign(
    kind: Kind,
    principal: Principal,
    audience: string,
    seconds: number,
    extra: Record<string, unknown>,
  ): Promise<string> {
    const iat = Math.floor(this.now() / 1000);
    return new SignJWT({
      version: '1.0',
      grant_type: kind,
      tenant: principal.tenantId,
      dockyard: principalClaim(principal),
      ...extra,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: this.keyId })
      .setJti(newGuid())
      .setSubject(principal.objectId)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(audience)
      .setIssuedAt(iat)
      .setNotBefore(iat - 5)
      .setExpirationTime(iat + seconds)
      .sign(this.privateKey);
  }

  issueRefreshToken(principal: Principal, loginServer: string): Promise<string> {
    return this.sign('refresh_token', principal, loginServer, REFRESH_TOKEN_SECONDS, {
      permissions: { actions: ['*'], notActions: [] },
      roles: [],
    });
  }

  issueAccessToken(principal: Principal, loginServer: string, access: AccessEntry[]): Promise<string> {
    return this.sign('access_token', principal, loginServer, ACCESS_TOKEN_SECONDS, { access });
  }

  /** A token of this kind and audience verified before and not expired, synchronously; else undefined (use `verify`). */
  verifiedBefore(token: string, loginServer: string, kind: Kind): VerifiedToken | undefined {
    const hit = this.cache.get(token);
    return hit && hit.kind === kind && hit.aud === loginServer && hit.v.expiresAt > this.now() / 1000
      ? hit.v
      : undefined;
  }

  /** Verifies a token of the given kind for this login server; returns null when it is not valid. */
  async verify(token: string, loginServer: string, kind: Kind): Promise<VerifiedToken | null> {
    const nowSec = this.now() / 1000;
    const hit = this.cache.get(token);
    if (hit) {
      if (hit.kind === kind && hit.aud === loginServer && hit.v.expiresAt > nowSec) return hit.v;
      if (hit.v.expiresAt <= nowSec) this.cache.delete(token);
      return null;
    }
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        algorithms: ['ES256'],
        issuer: TOKEN_ISSUER,
        audience: loginServer,
        currentDate: new Date(this.now()),
        requiredClaims: ['exp', 'nbf', 'iat', 'sub'],
      });
      if (payload.grant_type !== kind) return null;
      const claim = payload.dockyard as Principal | undefined;
      if (!claim || claim.objectId !== payload.sub) return null;
      const access = Array.isArray(payload.access) ? (payload.access as AccessEntry[]) : [];
      const v: VerifiedToken = { principal: claim, access, expiresAt: payload.exp! };
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(token, { v, kind, aud: loginServer });
      return v;
    } catch {
      return null;
    }
  }
}

function principalClaim(p: Principal): Principal {
  const out: Principal = { objectId: p.objectId, tenantId: p.tenantId, type: p.type, displayName: p.displayName };
  if (p.appId) out.appId = p.appId;
  if (p.identityKind) out.identityKind = p.identityKind;
  if (p.ownerResourceId) out.ownerResourceId = p.ownerResourceId;
  if (p.trustedService) out.trustedService = p.trustedService;
  if (p.adminOfRegistryId) out.adminOfRegistryId = p.adminOfRegistryId;
  if (p.registryTokenId) out.registryTokenId = p.registryTokenId;
  return out;
}

/** True when the token grants `action` on `type:name` (`*` grants everything). */
export function accessCovers(access: AccessEntry[], type: string, name: string, action: string): boolean {
  return access.some(
    (a) => a.type === type && a.name === name && (a.actions.includes(action) || a.actions.includes('*')),
  );
}
