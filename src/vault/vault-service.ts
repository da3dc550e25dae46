import { randomBytes } from 'node:crypto';
import { DockyardError, SecretCipher, dataKeyFile, resourceIdOf, type Principal } from '../shared/index.js';
import type { SqlDatabase } from '../storage/index.js';
import type { PermissionKind } from '../rbac/index.js';
import { VaultStore } from './vault-store.js';
import { resolveSecretReference } from './references.js';
import { secretBundle, secretItem } from './shapes.js';
import type { AccessPolicy, SecretRow, VaultRow } from './tables.js';

/** Control-plane/data-action decisions (RBAC). */
export interface VaultAuthorizer {
  isAllowed(principal: Principal, action: string, scope: string, kind?: PermissionKind): Promise<boolean>;
}

export type SecretOp = 'get' | 'list' | 'set' | 'delete';
const RBAC_ACTION: Record<SecretOp, string> = {
  get: 'Microsoft.KeyVault/vaults/secrets/getSecret/action',
  list: 'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
  set: 'Microsoft.KeyVault/vaults/secrets/setSecret/action',
  delete: 'Microsoft.KeyVault/vaults/secrets/delete',
};
export const SECRET_PERMISSIONS = ['all', 'backup', 'delete', 'get', 'list', 'purge', 'recover', 'restore', 'set'];
const NAME_RE = /^[0-9a-zA-Z-]{1,127}$/;
const MAX_VALUE = 25 * 1024;

export interface SecretInput {
  value: string;
  contentType?: string | null;
  tags?: Record<string, string> | null;
  enabled?: boolean;
  exp?: number | null;
  nbf?: number | null;
}

/** Key Vault: vaults (ARM), access policies or RBAC, and secrets with versions, encrypted at rest. Never logs values. */
export class VaultService {
  readonly store: VaultStore;
  /** Called after a vault is created or deleted (hosts entries for vaults by name). */
  readonly changed: Array<() => Promise<void>> = [];
  private readonly cipher: SecretCipher;

  constructor(
    db: SqlDatabase,
    dataDir: string,
    readonly tenantId: string,
    private readonly authorizer: VaultAuthorizer,
    private readonly issuer: () => string,
    /** The master key (config secretKeyFile); by default `<dataDir>/vault.key`. */
    cipher?: SecretCipher,
  ) {
    this.store = new VaultStore(db);
    this.cipher = cipher ?? new SecretCipher(dataKeyFile(dataDir));
  }

  // ---- control plane ------------------------------------------------------------------------------------------

  async createOrUpdate(input: {
    sub: string;
    rg: string;
    name: string;
    location: string;
    tags?: Record<string, string>;
    sku?: string;
    enableRbacAuthorization?: boolean;
    accessPolicies?: AccessPolicy[];
    creator: Principal;
  }): Promise<{ row: VaultRow; created: boolean }> {
    validateVaultName(input.name);
    const id = resourceIdOf(input.sub, input.rg, 'Microsoft.KeyVault', 'vaults', input.name);
    const existing = await this.store.byName(input.name);
    if (existing && existing.id_lower !== id.toLowerCase())
      throw new DockyardError(
        'VaultAlreadyExists',
        `The vault name '${input.name}' is already in use. Vault names are globally unique so it is possible that the name is already taken.`,
      );
    if (existing) {
      const patch = {
        ...(input.tags ? { tags: JSON.stringify(input.tags) } : {}),
        ...(input.sku ? { sku: input.sku.toLowerCase() } : {}),
        ...(input.enableRbacAuthorization !== undefined
          ? { enable_rbac_authorization: input.enableRbacAuthorization ? 1 : 0 }
          : {}),
        ...(input.accessPolicies ? { access_policies: JSON.stringify(input.accessPolicies.map(normalizePolicy)) } : {}),
      };
      if (Object.keys(patch).length) await this.store.update(existing.id_lower, patch);
      return { row: (await this.store.byName(input.name))!, created: false };
    }
    const rbac = input.enableRbacAuthorization ?? false;
    // As az does: without RBAC and without explicit policies, the creator gets every permission.
    const policies =
      input.accessPolicies ??
      (rbac
        ? []
        : [
            {
              tenantId: this.tenantId,
              objectId: input.creator.objectId,
              applicationId: null,
              permissions: { keys: ['all'], secrets: ['all'], certificates: ['all'], storage: ['all'] },
            },
          ]);
    const row: VaultRow = {
      id,
      id_lower: id.toLowerCase(),
      name: input.name,
      name_lower: input.name.toLowerCase(),
      subscription_id: input.sub,
      resource_group: input.rg,
      location: input.location.toLowerCase().replace(/\s+/g, ''),
      tenant_id: this.tenantId,
      sku: (input.sku ?? 'standard').toLowerCase(),
      enable_rbac_authorization: rbac ? 1 : 0,
      access_policies: JSON.stringify(policies.map(normalizePolicy)),
      tags: JSON.stringify(input.tags ?? {}),
      created_at: new Date().toISOString(),
      created_by: input.creator.objectId,
    };
    await this.store.insert(row);
    for (const fn of this.changed) await fn();
    return { row, created: true };
  }

  /** `accessPolicies/{add|replace|remove}`: merges permissions per object id as Key Vault does. */
  async updatePolicies(v: VaultRow, kind: 'add' | 'replace' | 'remove', changes: AccessPolicy[]): Promise<VaultRow> {
    let current = JSON.parse(v.access_policies) as AccessPolicy[];
    for (const raw of changes) {
      const c = normalizePolicy(raw);
      const same = (p: AccessPolicy) =>
        p.objectId.toLowerCase() === c.objectId.toLowerCase() &&
        (p.applicationId ?? null) === (c.applicationId ?? null);
      const old = current.find(same);
      current = current.filter((p) => !same(p));
      if (kind === 'remove') {
        if (old && Object.values(c.permissions).some((l) => l.length > 0)) {
          const left = mapPerms(old.permissions, (k, l) => l.filter((x) => !c.permissions[k].includes(x)));
          if (Object.values(left).some((l) => l.length > 0)) current.push({ ...old, permissions: left });
        }
        continue;
      }
      const perms =
        kind === 'add' && old
          ? mapPerms(old.permissions, (k, l) => [...new Set([...l, ...c.permissions[k]])])
          : c.permissions;
      current.push({ ...c, permissions: perms });
    }
    await this.store.setPolicies(v, current);
    return (await this.store.byName(v.name))!;
  }

  async vault(name: string): Promise<VaultRow> {
    const v = await this.store.byName(name);
    if (!v) throw new DockyardError('VaultNotFound', `Vault '${name}' not found.`);
    return v;
  }

  /** ArmDeps.onResourceDeleted: vaults in a deleted group go with it. */
  async resourceDeleted(resourceId: string): Promise<void> {
    const s = resourceId.replace(/\/+$/, '').toLowerCase();
    let removed = false;
    for (const v of await this.store.all()) {
      if (v.id_lower === s || v.id_lower.startsWith(`${s}/`)) {
        await this.store.delete(v);
        removed = true;
      }
    }
    if (removed) for (const fn of this.changed) await fn();
  }

  /** A deleted principal loses its access policies everywhere. */
  async principalDeleted(objectId: string): Promise<void> {
    for (const v of await this.store.all()) {
      const policies = JSON.parse(v.access_policies) as AccessPolicy[];
      const kept = policies.filter((p) => p.objectId.toLowerCase() !== objectId.toLowerCase());
      if (kept.length !== policies.length) await this.store.setPolicies(v, kept);
    }
  }

  // ---- data plane ---------------------------------------------------------------------------------------------

  /** Throws Key Vault's Forbidden (naming the caller and the secret) unless `principal` may do `op`. */
  async checkAccess(principal: Principal, v: VaultRow, op: SecretOp, secretName?: string): Promise<void> {
    const caller = `appid=${principal.appId ?? principal.objectId};oid=${principal.objectId};iss=${this.issuer()}`;
    const what = secretName ? ` (secret '${secretName}')` : '';
    if (v.enable_rbac_authorization === 1) {
      const scope = `${v.id}${secretName ? `/secrets/${secretName}` : ''}`;
      if (await this.authorizer.isAllowed(principal, RBAC_ACTION[op], scope, 'dataAction')) return;
      throw new DockyardError(
        'Forbidden',
        `Caller is not authorized to perform action on resource.\nCaller: ${caller}\nAction: '${RBAC_ACTION[op]}'\nResource: '${scope}'\nAssignment: (not found)\nDecisionReason: 'DeniedWithNoValidRBAC'\nVault: ${v.name};location=${v.location}`,
        { detail: { code: 'ForbiddenByRbac' } },
      );
    }
    const policies = JSON.parse(v.access_policies) as AccessPolicy[];
    const ok = policies.some(
      (p) =>
        p.objectId.toLowerCase() === principal.objectId.toLowerCase() &&
        p.permissions.secrets.some((s) => s === 'all' || s === op),
    );
    if (ok) return;
    throw new DockyardError(
      'Forbidden',
      `The user, group or application '${caller}' does not have secrets ${op} permission on key vault '${v.name};location=${v.location}'${what}. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
      { detail: { code: 'AccessDenied' } },
    );
  }

  async setSecret(
    principal: Principal,
    vaultName: string,
    name: string,
    input: SecretInput,
  ): Promise<Record<string, unknown>> {
    validateSecretName(name);
    const v = await this.vault(vaultName);
    await this.checkAccess(principal, v, 'set', name);
    if (typeof input.value !== 'string') throw new DockyardError('BadParameter', 'Property value is required.');
    if (Buffer.byteLength(input.value) > MAX_VALUE)
      throw new DockyardError('BadParameter', 'The secret value exceeds the maximum size of 25 KB.');
    const version = randomBytes(16).toString('hex');
    const now = Math.floor(Date.now() / 1000);
    const row: SecretRow = {
      vault_lower: v.name_lower,
      name,
      name_lower: name.toLowerCase(),
      version,
      value_enc: this.cipher.encrypt(input.value, `${v.name_lower}/${name.toLowerCase()}/${version}`),
      content_type: input.contentType ?? null,
      tags: input.tags ? JSON.stringify(input.tags) : null,
      enabled: input.enabled === false ? 0 : 1,
      exp: input.exp ?? null,
      nbf: input.nbf ?? null,
      created: now,
      updated: now,
    };
    await this.store.insertSecret(row);
    return secretBundle(v.name, row, input.value);
  }

  private async row(v: VaultRow, name: string, version?: string): Promise<SecretRow> {
    const r = await this.store.secret(v.name, name, version);
    if (!r)
      throw new DockyardError(
        'SecretNotFound',
        version
          ? `A secret with (name/id) ${name}/${version} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`
          : `A secret with (name/id) ${name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
      );
    return r;
  }

  async getSecret(
    principal: Principal,
    vaultName: string,
    name: string,
    version?: string,
  ): Promise<Record<string, unknown>> {
    const v = await this.vault(vaultName);
    await this.checkAccess(principal, v, 'get', name);
    const r = await this.row(v, name, version);
    if (r.enabled !== 1)
      throw new DockyardError('SecretDisabled', 'Operation get is not allowed on a disabled secret.');
    return secretBundle(v.name, r, this.cipher.decrypt(r.value_enc, `${r.vault_lower}/${r.name_lower}/${r.version}`));
  }

  /** PATCH: attributes, contentType and tags of a version (no new version). */
  async updateSecret(
    principal: Principal,
    vaultName: string,
    name: string,
    version: string | undefined,
    patch: {
      contentType?: string | null;
      tags?: Record<string, string> | null;
      enabled?: boolean;
      exp?: number | null;
      nbf?: number | null;
    },
  ): Promise<Record<string, unknown>> {
    const v = await this.vault(vaultName);
    await this.checkAccess(principal, v, 'set', name);
    const r = await this.row(v, name, version);
    const next = {
      ...(patch.contentType !== undefined ? { content_type: patch.contentType } : {}),
      ...(patch.tags !== undefined ? { tags: patch.tags ? JSON.stringify(patch.tags) : null } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled ? 1 : 0 } : {}),
      ...(patch.exp !== undefined ? { exp: patch.exp } : {}),
      ...(patch.nbf !== undefined ? { nbf: patch.nbf } : {}),
      updated: Math.floor(Date.now() / 1000),
    };
    await this.store.updateSecret(r, next);
    return secretBundle(v.name, { ...r, ...next });
  }

  /** Every secret's latest version (the routes page it). */
  async listSecrets(principal: Principal, vaultName: string): Promise<{ value: Array<Record<string, unknown>> }> {
    const v = await this.vault(vaultName);
    await this.checkAccess(principal, v, 'list');
    return { value: (await this.store.latestOfEach(v.name)).map((r) => secretItem(v.name, r, false)) };
  }

  async listVersions(
    principal: Principal,
    vaultName: string,
    name: string,
  ): Promise<{ value: Array<Record<string, unknown>> }> {
    const v = await this.vault(vaultName);
    await this.checkAccess(principal, v, 'list', name);
    return { value: (await this.store.versions(v.name, name)).map((r) => secretItem(v.name, r, true)) };
  }

  async deleteSecret(principal: Principal, vaultName: string, name: string): Promise<Record<string, unknown>> {
    const v = await this.vault(vaultName);
    await this.checkAccess(principal, v, 'delete', name);
    const r = await this.row(v, name);
    await this.store.deleteSecret(v.name, name);
    const now = Math.floor(Date.now() / 1000);
    return {
      ...secretBundle(v.name, r),
      recoveryId: `https://${v.name_lower}.vault.azure.net/deletedsecrets/${r.name}`,
      deletedDate: now,
      scheduledPurgeDate: now,
    };
  }

  /**
   * For the task runner: the value behind a secret reference (`https://<vault>.vault.azure.net/secrets/<name>[/<v>]`),
   * read as `principal` (access policy `get` or an RBAC role with getSecret). Throws Forbidden naming both.
   */
  async getSecretAs(principal: Principal, url: string): Promise<string> {
    const ref = resolveSecretReference(url);
    const bundle = await this.getSecret(principal, ref.vault, ref.name, ref.version);
    return String(bundle.value);
  }
}

function mapPerms(
  p: AccessPolicy['permissions'],
  f: (k: keyof AccessPolicy['permissions'], l: string[]) => string[],
): AccessPolicy['permissions'] {
  return {
    keys: f('keys', p.keys),
    secrets: f('secrets', p.secrets),
    certificates: f('certificates', p.certificates),
    storage: f('storage', p.storage),
  };
}

function normalizePolicy(p: AccessPolicy): AccessPolicy {
  const low = (l: unknown) => (Array.isArray(l) ? l.map((x) => String(x).toLowerCase()) : []);
  if (!p || typeof p.objectId !== 'string')
    throw new DockyardError('InvalidParameter', 'An access policy must have an objectId.');
  const perms = (p.permissions ?? {}) as Partial<AccessPolicy['permissions']>;
  const secrets = low(perms.secrets);
  const bad = secrets.find((s) => !SECRET_PERMISSIONS.includes(s));
  if (bad)
    throw new DockyardError(
      'InvalidParameter',
      `Invalid secret permission '${bad}'. Allowed: ${SECRET_PERMISSIONS.join(', ')}.`,
    );
  return {
    tenantId: p.tenantId,
    objectId: p.objectId.toLowerCase(),
    applicationId: p.applicationId ?? null,
    permissions: { keys: low(perms.keys), secrets, certificates: low(perms.certificates), storage: low(perms.storage) },
  };
}

export function validateVaultName(name: string): void {
  if (!/^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/.test(name) || name.includes('--')) {
    throw new DockyardError(
      'InvalidResourceName',
      `The vault name '${name}' is invalid. A vault's name must be between 3-24 alphanumeric characters. The name must begin with a letter, end with a letter or digit, and not contain consecutive hyphens.`,
    );
  }
}

function validateSecretName(name: string): void {
  if (!NAME_RE.test(name)) throw new DockyardError('BadParameter', `The request URI contains an invalid name: ${name}`);
}
