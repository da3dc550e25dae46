import { randomBytes } from 'node:crypto';
import { DockyardError, type Principal } from '../shared/index.js';
import { signJwt, verifyJwtSignature, JwtError, type JwtClaims } from './jwt.js';
import type { SigningKeyRing } from './signing-keys.js';
import type { Directory } from './directory.js';
import { audienceFor, audienceMatches } from './audiences.js';

export type TrustedService = 'tasks' | 'import';

export interface IssuedToken {
  accessToken: string;
  /** epoch seconds */
  expiresOn: number;
  notBefore: number;
  expiresIn: number;
  /** the audience the token carries */
  resource: string;
  clientId: string;
}

export interface IssueOptions {
  trustedService?: TrustedService;
  lifetimeSeconds?: number;
}

/** Claims naming a managed identity's kind and a trusted Dockyard service acting with it. */
export const CLAIM_MI_KIND = 'xms_mi_kind';
export const CLAIM_TRUSTED_SERVICE = 'xms_trusted_service';
const DEFAULT_LIFETIME = 3599;

/** Issues and verifies the tenant's access tokens (RS256 JWTs shaped like Entra ID v2 access tokens). */
export class TokenService {
  constructor(
    private readonly keys: SigningKeyRing,
    private readonly directory: Directory,
    readonly tenantId: string,
    private readonly issuerBase: () => string,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** `<endpoint>/<tenant>/v2.0` */
  issuer(): string {
    return `${this.issuerBase()}/${this.tenantId}/v2.0`;
  }

  /** Mints a token for a principal already authenticated by the caller. `resource` must be a known audience. */
  async issue(principal: Principal, resource: string, opts: IssueOptions = {}): Promise<IssuedToken> {
    const aud = audienceFor(resource);
    if (!aud)
      throw new DockyardError(
        'invalid_resource',
        `AADSTS500011: The resource principal named ${resource} was not found in the tenant named ${this.tenantId}.`,
      );
    const record = await this.directory.getRecord(principal.objectId);
    if (!record)
      throw new DockyardError(
        'invalid_client',
        `AADSTS700016: Application with identifier '${principal.appId ?? principal.objectId}' was not found in the directory '${this.tenantId}'.`,
      );
    const p = record.principal;
    const iat = Math.floor(this.now() / 1000);
    const lifetime = opts.lifetimeSeconds ?? DEFAULT_LIFETIME;
    const iss = this.issuer();
    const isApp = p.type !== 'User';
    const claims: JwtClaims = {
      aud,
      iss,
      iat,
      nbf: iat,
      exp: iat + lifetime,
      appid: p.appId ?? p.objectId,
      appidacr: isApp ? '2' : '0',
      idp: iss,
      idtyp: isApp ? 'app' : 'user',
      oid: p.objectId,
      sub: p.objectId,
      tid: this.tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '2.0',
      ...(p.type === 'User' ? { name: p.displayName, upn: p.displayName } : {}),
      ...(p.type === 'ManagedIdentity' && record.resourceId
        ? { xms_mirid: record.resourceId, [CLAIM_MI_KIND]: p.identityKind }
        : {}),
      ...(opts.trustedService ? { [CLAIM_TRUSTED_SERVICE]: opts.trustedService } : {}),
    };
    return {
      accessToken: signJwt(claims, this.keys.active),
      expiresOn: iat + lifetime,
      notBefore: iat,
      expiresIn: lifetime,
      resource: aud,
      clientId: p.appId ?? p.objectId,
    };
  }

  /**
   * Verifies a bearer token: RS256 signature by a key of this tenant (alg:none and foreign keys are refused), issuer,
   * tenant, audience (one of `expectedAudiences`), nbf/exp, and that the principal still exists. Returns the caller.
   * Throws InvalidAuthenticationToken / ExpiredAuthenticationToken.
   */
  async verifyAccessToken(token: string, expectedAudiences: readonly string[]): Promise<Principal> {
    const claims = this.verifyClaims(token, expectedAudiences);
    const record = await this.directory.getRecord(String(claims.oid));
    if (!record || record.principal.tenantId !== this.tenantId)
      throw invalid('The principal of the access token no longer exists.');
    const ts = claims[CLAIM_TRUSTED_SERVICE];
    return { ...record.principal, ...(ts === 'tasks' || ts === 'import' ? { trustedService: ts } : {}) };
  }

  /**
   * This node's issuer, or another API node's of the same installation (`<its base URL>/<tenant>/v2.0`): every node
   * signs with the one shared key ring, so the signature already proves the token is ours; only the base URL differs.
   */
  private isOurIssuer(iss: unknown): boolean {
    if (iss === this.issuer()) return true;
    if (typeof iss !== 'string' || iss.length > 300) return false;
    const m = /^https?:\/\/[^/?#\s]+\/([^/?#\s]+)\/v2\.0$/.exec(iss);
    return m !== null && m[1] === this.tenantId;
  }

  /** The synchronous part of verification (signature and claims). */
  verifyClaims(token: string, expectedAudiences: readonly string[]): JwtClaims {
    let claims: JwtClaims;
    try {
      claims = verifyJwtSignature(token, (kid) => this.keys.verificationKey(kid));
    } catch (err) {
      if (err instanceof JwtError) throw invalid(`The access token is invalid: ${err.message}`);
      throw err;
    }
    const now = Math.floor(this.now() / 1000);
    if (!this.isOurIssuer(claims.iss))
      throw invalid(
        `The access token is from the wrong issuer '${String(claims.iss)}'. It must match the tenant '${this.issuer()}'.`,
      );
    if (claims.tid !== this.tenantId)
      throw invalid(`The access token is from the wrong tenant '${String(claims.tid)}'.`);
    if (!audienceMatches(claims.aud, expectedAudiences))
      throw invalid(
        `The access token has an invalid audience '${String(claims.aud)}'; expected ${expectedAudiences.map((a) => `'${a}'`).join(' or ')}.`,
      );
    if (typeof claims.exp !== 'number' || claims.exp <= now)
      throw new DockyardError(
        'ExpiredAuthenticationToken',
        'The access token expiry UTC time is earlier than current UTC time.',
      );
    if (typeof claims.nbf === 'number' && claims.nbf > now + 60) throw invalid('The access token is not yet valid.');
    if (typeof claims.oid !== 'string') throw invalid('The access token has no object id.');
    return claims;
  }
}

const invalid = (message: string) => new DockyardError('InvalidAuthenticationToken', message);
