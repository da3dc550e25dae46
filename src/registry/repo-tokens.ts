import { createHash, randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { DockyardError, secretsEqual, type Principal } from '../shared/index.js';
import type { SqlDatabase } from '../storage/index.js';
import type { RegistryTables } from './tables.js';
import type { RegistryInfo } from './ports.js';
import { quotaExceeded, tokenLimit } from './sku-limits.js';
import { grantedBy, type ScopeMaps } from './scope-maps.js';

export type TokenPasswordName = 'password1' | 'password2';
export const TOKEN_PASSWORD_NAMES: readonly TokenPasswordName[] = ['password1', 'password2'];

export interface TokenPassword {
  name: TokenPasswordName;
  creationTime: string;
  expiry: string | null;
  /** Only in the answer that created it (generateCredentials). */
  value?: string;
}

export interface RegistryToken {
  name: string;
  scopeMap: string;
  status: 'enabled' | 'disabled';
  createdAt: string;
  passwords: TokenPassword[];
}

type Row = RegistryTables['reg_tokens'];

export const validTokenName = (n: string): boolean => /^[a-zA-Z0-9-]{5,50}$/.test(n);
const key = (r: RegistryInfo): string => r.id.toLowerCase();
export const tokenResourceId = (registry: RegistryInfo, name: string): string => `${registry.id}/tokens/${name}`;

function hashPassword(value: string): string {
  const salt = randomBytes(16);
  return `${salt.toString('base64url')}.${createHash('sha256').update(salt).update(value).digest('base64url')}`;
}

function passwordMatches(stored: string, value: string): boolean {
  const [salt, hash] = stored.split('.');
  if (!salt || !hash) return false;
  return secretsEqual(
    createHash('sha256').update(Buffer.from(salt, 'base64url')).update(value).digest('base64url'),
    hash,
  );
}

function toToken(r: Row): RegistryToken {
  const passwords: TokenPassword[] = [];
  if (r.password1_hash)
    passwords.push({ name: 'password1', creationTime: r.password1_created!, expiry: r.password1_expiry });
  if (r.password2_hash)
    passwords.push({ name: 'password2', creationTime: r.password2_created!, expiry: r.password2_expiry });
  return {
    name: r.name,
    scopeMap: r.scope_map,
    status: r.status === 'disabled' ? 'disabled' : 'enabled',
    createdAt: r.created_at,
    passwords,
  };
}

/**
 * Tokens: repository-scoped credentials without an identity (username = token name, two passwords stored as salted
 * SHA-256 and shown once). A token's data-plane actions are its scope map's, on its own registry only.
 */
export class RegistryTokens {
  private readonly db: Kysely<RegistryTables>;

  constructor(
    db: SqlDatabase,
    private readonly scopeMaps: ScopeMaps,
    private readonly tenantId: string,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.db = db as Kysely<RegistryTables>;
  }

  private row(registry: RegistryInfo, name: string): Promise<Row | undefined> {
    return this.db
      .selectFrom('reg_tokens')
      .selectAll()
      .where('registry_id', '=', key(registry))
      .where(sql<string>`lower(name)`, '=', name.toLowerCase())
      .executeTakeFirst();
  }

  async find(registry: RegistryInfo, name: string): Promise<RegistryToken | undefined> {
    const r = await this.row(registry, name);
    return r ? toToken(r) : undefined;
  }

  async get(registry: RegistryInfo, name: string): Promise<RegistryToken> {
    const t = await this.find(registry, name);
    if (!t)
      throw new DockyardError('ResourceNotFound', `The token '${name}' was not found in registry '${registry.name}'.`);
    return t;
  }

  async list(registry: RegistryInfo): Promise<RegistryToken[]> {
    return (
      await this.db
        .selectFrom('reg_tokens')
        .selectAll()
        .where('registry_id', '=', key(registry))
        .orderBy('name')
        .execute()
    ).map(toToken);
  }

  /** Names of the tokens that use a scope map. */
  async usingScopeMap(registry: RegistryInfo, scopeMap: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('reg_tokens')
      .select('name')
      .where('registry_id', '=', key(registry))
      .where(sql<string>`lower(scope_map)`, '=', scopeMap.toLowerCase())
      .execute();
    return rows.map((r) => r.name);
  }

  /**
   * PUT (create/replace) or PATCH a token. `keepPasswords` (from `properties.credentials.passwords`) drops the
   * passwords not named, which is how `az acr token credential delete` works.
   */
  async upsert(
    registry: RegistryInfo,
    name: string,
    input: { scopeMap?: string; status?: string; keepPasswords?: string[] },
    patch: boolean,
  ): Promise<{ token: RegistryToken; created: boolean }> {
    if (!validTokenName(name))
      throw new DockyardError(
        'InvalidResourceName',
        `The token name '${name}' is invalid: use 5 to 50 characters of a-z, A-Z, 0-9 and '-'.`,
      );
    if (input.status !== undefined && input.status !== 'enabled' && input.status !== 'disabled')
      throw new DockyardError(
        'InvalidParameter',
        `The token status '${input.status}' is invalid. Allowed values: enabled, disabled.`,
      );
    const existing = await this.row(registry, name);
    if (!existing && patch)
      throw new DockyardError('ResourceNotFound', `The token '${name}' was not found in registry '${registry.name}'.`);
    if (!existing && !input.scopeMap)
      throw new DockyardError(
        'InvalidRequestContent',
        "The request content was invalid: 'properties.scopeMapId' is required.",
      );
    const map = input.scopeMap ? (await this.scopeMaps.get(registry, input.scopeMap)).name : existing!.scope_map;
    const status = input.status ?? (existing?.status as string | undefined) ?? 'enabled';
    const clear: Partial<Row> = {};
    if (input.keepPasswords) {
      for (const n of input.keepPasswords)
        if (!TOKEN_PASSWORD_NAMES.includes(n as TokenPasswordName))
          throw new DockyardError(
            'InvalidParameter',
            `The password name '${n}' is invalid. Allowed values: password1, password2.`,
          );
      for (const n of TOKEN_PASSWORD_NAMES)
        if (!input.keepPasswords.includes(n))
          Object.assign(clear, { [`${n}_hash`]: null, [`${n}_created`]: null, [`${n}_expiry`]: null });
    }
    if (existing) {
      await this.db
        .updateTable('reg_tokens')
        .set({ scope_map: map, status, ...clear })
        .where('registry_id', '=', key(registry))
        .where('name', '=', existing.name)
        .execute();
    } else {
      if ((await this.count(registry)) >= tokenLimit(registry.sku)) throw quotaExceeded('tokens', registry.sku);
      await this.db
        .insertInto('reg_tokens')
        .values({
          registry_id: key(registry),
          name,
          scope_map: map,
          status,
          created_at: new Date(this.now()).toISOString(),
          password1_hash: null,
          password1_created: null,
          password1_expiry: null,
          password2_hash: null,
          password2_created: null,
          password2_expiry: null,
        })
        .execute();
    }
    return { token: await this.get(registry, name), created: !existing };
  }

  async count(registry: RegistryInfo): Promise<number> {
    const r = await this.db
      .selectFrom('reg_tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('registry_id', '=', key(registry))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async delete(registry: RegistryInfo, name: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('reg_tokens')
      .where('registry_id', '=', key(registry))
      .where(sql<string>`lower(name)`, '=', name.toLowerCase())
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** New password values (one or both); returned once, only hashes are kept. */
  async generate(
    registry: RegistryInfo,
    name: string,
    which: TokenPasswordName | undefined,
    expiry: string | null,
  ): Promise<{ username: string; passwords: TokenPassword[] }> {
    const token = await this.get(registry, name);
    const names = which ? [which] : TOKEN_PASSWORD_NAMES;
    const creationTime = new Date(this.now()).toISOString();
    const out: TokenPassword[] = [];
    const set: Partial<Row> = {};
    for (const n of names) {
      const value = randomBytes(32)
        .toString('base64')
        .replace(/[^a-zA-Z0-9]/g, '')
        .slice(0, 32)
        .padEnd(32, 'A');
      Object.assign(set, {
        [`${n}_hash`]: hashPassword(value),
        [`${n}_created`]: creationTime,
        [`${n}_expiry`]: expiry,
      });
      out.push({ name: n, creationTime, expiry, value });
    }
    await this.db
      .updateTable('reg_tokens')
      .set(set)
      .where('registry_id', '=', key(registry))
      .where('name', '=', token.name)
      .execute();
    return { username: token.name, passwords: out };
  }

  /** The token principal when `username` names an enabled token of this registry and `password` is one of its unexpired passwords. */
  async authenticate(registry: RegistryInfo, username: string, password: string): Promise<Principal | null> {
    if (!validTokenName(username) || !password) return null;
    const r = await this.row(registry, username);
    if (!r || r.status !== 'enabled') return null;
    const now = this.now();
    const ok = (hash: string | null, expiry: string | null) =>
      hash !== null && passwordMatches(hash, password) && (expiry === null || Date.parse(expiry) > now);
    const m1 = ok(r.password1_hash, r.password1_expiry);
    const m2 = ok(r.password2_hash, r.password2_expiry);
    if (!m1 && !m2) return null;
    const id = tokenResourceId(registry, r.name);
    return {
      objectId: `registry-token:${id.toLowerCase()}`,
      tenantId: this.tenantId,
      type: 'RegistryToken',
      displayName: r.name,
      registryTokenId: id,
    };
  }

  /** The token behind a principal, when it belongs to this registry and is still enabled (checked on every use). */
  async active(registry: RegistryInfo, principal: Principal): Promise<RegistryToken | null> {
    const prefix = `${registry.id.toLowerCase()}/tokens/`;
    const id = principal.registryTokenId?.toLowerCase();
    if (principal.type !== 'RegistryToken' || !id?.startsWith(prefix)) return null;
    const t = await this.find(registry, id.slice(prefix.length));
    return t && t.status === 'enabled' ? t : null;
  }

  /** Which of `requested` a token may do on a repository: its scope map's actions (tokens cannot list the catalog). */
  async grantedActions(
    registry: RegistryInfo,
    principal: Principal,
    repository: string | 'catalog',
    requested: string[],
  ): Promise<string[]> {
    const t = await this.active(registry, principal);
    if (!t || repository === 'catalog') return [];
    const map = await this.scopeMaps.find(registry, t.scopeMap);
    if (!map) return [];
    const granted = grantedBy(map.actions, repository);
    return requested.filter((a) => granted.includes(a));
  }

  async purgeRegistry(registryId: string): Promise<void> {
    await this.db.deleteFrom('reg_tokens').where('registry_id', '=', registryId.toLowerCase()).execute();
  }
}
