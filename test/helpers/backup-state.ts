import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { CliResult } from './cli.js';
import { imageManifest } from '../e2e/cluster/registry-http.js';

/**
 * The state a backup/restore test writes through a real server and checks on the restored one (docs/deploy.md §5):
 * an image (config + two layers, tag v1), a repository-scoped token, a Key Vault secret (sealed with the master key)
 * and a finished run; then changes after the backup that the restore must not have.
 */
export const ADMIN_OID = '00000000-0000-0000-0000-00000000ad01';
export const REGISTRY = 'backupreg';
const REPO = 'app/web';
const VAULT = 'backupvault';
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

type Cli = (...args: string[]) => Promise<CliResult>;

export interface Seeded {
  manifestDigest: string;
  blobs: Buffer[];
  token: { name: string; password: string };
  secret: string;
  runId: string;
}

export interface AfterBackup {
  manifestDigest: string;
  layer: Buffer;
}

export async function ok(p: Promise<CliResult>): Promise<any> {
  const r = await p;
  assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}`);
  return r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
}

export const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Pushes config + layers (monolithic uploads) and the manifest under `tag`; returns the manifest digest. */
async function pushImage(base: string, auth: string, tag: string, config: Buffer, layers: Buffer[]): Promise<string> {
  for (const b of [config, ...layers]) {
    const up = await fetch(`${base}/v2/${REPO}/blobs/uploads/?digest=${sha(b)}`, {
      method: 'POST',
      body: b,
      headers: { authorization: auth, 'content-type': 'application/octet-stream' },
    });
    assert.equal(up.status, 201, await up.text());
  }
  const manifest = imageManifest(config, layers);
  const put = await fetch(`${base}/v2/${REPO}/manifests/${tag}`, {
    method: 'PUT',
    body: manifest,
    headers: { authorization: auth, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  assert.equal(put.status, 201, await put.text());
  return sha(manifest);
}

const registryBase = async (cli: Cli) => `http://${(await ok(cli('acr', 'show', '-n', REGISTRY))).loginServer}`;

/** Writes the state through the server: registry, image v1, token, vault secret, a finished run. */
export async function seed(cli: Cli, adminKey: string): Promise<Seeded> {
  await ok(cli('group', 'create', '-n', 'rg', '-l', 'eastus'));
  await ok(cli('acr', 'create', '-g', 'rg', '-n', REGISTRY, '--sku', 'Premium'));
  const base = await registryBase(cli);
  const config = Buffer.from(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`);
  const layers = [randomBytes(300_000), randomBytes(70_000)];
  const manifestDigest = await pushImage(base, basic(ADMIN_OID, adminKey), 'v1', config, layers);
  await ok(cli('acr', 'scope-map', 'create', '-r', REGISTRY, '-n', 'app-read', '--repository', REPO, 'content/read'));
  const token = await ok(cli('acr', 'token', 'create', '-r', REGISTRY, '-n', 'reader', '--scope-map', 'app-read'));
  const password = token.credentials.passwords[0].value as string;
  await ok(cli('keyvault', 'create', '-g', 'rg', '-n', VAULT, '-l', 'eastus'));
  const secret = `before-backup-${randomBytes(8).toString('hex')}`;
  await ok(cli('keyvault', 'secret', 'set', '--vault-name', VAULT, '-n', 'dbpassword', '--value', secret));
  // With --engine none a run finishes at once (Failed: no container engine) and keeps its log: a real run record.
  const run = await cli('acr', 'run', '-r', REGISTRY, '--cmd', 'busybox echo hi', '/dev/null');
  assert.equal(run.code, 1, run.stderr);
  const runs = await ok(cli('acr', 'task', 'list-runs', '-r', REGISTRY));
  assert.equal(runs.length, 1);
  assert.equal(runs[0].status, 'Failed');
  return {
    manifestDigest,
    blobs: [config, ...layers],
    token: { name: 'reader', password },
    secret,
    runId: runs[0].runId,
  };
}

/** Changes after the backup: tag v2 with a new layer, v1 deleted, a new secret version. */
export async function changeAfterBackup(cli: Cli, adminKey: string, s: Seeded): Promise<AfterBackup> {
  const base = await registryBase(cli);
  const auth = basic(ADMIN_OID, adminKey);
  const layer = randomBytes(50_000);
  const manifestDigest = await pushImage(base, auth, 'v2', s.blobs[0], [layer]);
  const del = await fetch(`${base}/v2/${REPO}/manifests/${s.manifestDigest}`, {
    method: 'DELETE',
    headers: { authorization: auth },
  });
  assert.equal(del.status, 202);
  await ok(cli('keyvault', 'secret', 'set', '--vault-name', VAULT, '-n', 'dbpassword', '--value', 'after-backup'));
  return { manifestDigest, layer };
}

async function get(url: string, auth: string, accept?: string): Promise<{ status: number; body: Buffer; h: Headers }> {
  const r = await fetch(url, { headers: { authorization: auth, ...(accept ? { accept } : {}) } });
  return { status: r.status, body: Buffer.from(await r.arrayBuffer()), h: r.headers };
}

/** On the restored server: the state of the backup is there and works, the later changes are not. */
export async function checkRestored(cli: Cli, adminKey: string, s: Seeded, later: AfterBackup): Promise<void> {
  const base = await registryBase(cli);
  const admin = basic(ADMIN_OID, adminKey);
  const accept = 'application/vnd.oci.image.manifest.v1+json';
  // The image pulls back byte for byte, with the token (a repository-scoped credential whose password is hashed in
  // the database) as well as the admin key.
  for (const auth of [admin, basic(s.token.name, s.token.password)]) {
    const m = await get(`${base}/v2/${REPO}/manifests/v1`, auth, accept);
    assert.equal(m.status, 200, m.body.toString());
    assert.equal(sha(m.body), s.manifestDigest);
    assert.equal(m.h.get('docker-content-digest'), s.manifestDigest);
    const doc = JSON.parse(m.body.toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
    const digests = [doc.config.digest, ...doc.layers.map((l) => l.digest)];
    assert.deepEqual(digests, s.blobs.map(sha));
    for (const [i, d] of digests.entries()) {
      const b = await get(`${base}/v2/${REPO}/blobs/${d}`, auth);
      assert.equal(b.status, 200, `blob ${d}`);
      assert.equal(sha(b.body), d);
      assert.ok(b.body.equals(s.blobs[i]));
    }
  }
  assert.equal((await get(`${base}/v2/${REPO}/manifests/v1`, basic(s.token.name, 'wrong-password'))).status, 401);
  // The changes after the backup are absent.
  assert.equal((await get(`${base}/v2/${REPO}/manifests/v2`, admin, accept)).status, 404, 'tag v2 came later');
  assert.equal((await get(`${base}/v2/${REPO}/manifests/${later.manifestDigest}`, admin, accept)).status, 404);
  assert.equal((await get(`${base}/v2/${REPO}/blobs/${sha(later.layer)}`, admin)).status, 404);
  const tags = await get(`${base}/v2/${REPO}/tags/list`, admin);
  assert.deepEqual(JSON.parse(tags.body.toString()).tags, ['v1']);
  // The secret decrypts with the master key it was sealed with, at its value of the backup.
  const secret = await ok(cli('keyvault', 'secret', 'show', '--vault-name', VAULT, '-n', 'dbpassword'));
  assert.equal(secret.value, s.secret);
  // The run is there; new rows after the restore get fresh ids (counters, identity columns and sequences restored).
  const runs = await ok(cli('acr', 'task', 'list-runs', '-r', REGISTRY));
  assert.deepEqual(
    runs.map((r: { runId: string; status: string }) => [r.runId, r.status]),
    [[s.runId, 'Failed']],
  );
  const again = await cli('acr', 'run', '-r', REGISTRY, '--cmd', 'busybox echo hi', '/dev/null');
  assert.equal(again.code, 1);
  const after = await ok(cli('acr', 'task', 'list-runs', '-r', REGISTRY));
  assert.equal(after.length, 2);
  assert.ok(!after.some((r: { runId: string }, i: number) => after.findIndex((x: any) => x.runId === r.runId) !== i));
  await ok(cli('keyvault', 'secret', 'set', '--vault-name', VAULT, '-n', 'dbpassword', '--value', 'after-restore'));
  const versions = await ok(cli('keyvault', 'secret', 'list-versions', '--vault-name', VAULT, '-n', 'dbpassword'));
  assert.equal(versions.length, 2);
  assert.equal(
    (await ok(cli('keyvault', 'secret', 'show', '--vault-name', VAULT, '-n', 'dbpassword'))).value,
    'after-restore',
  );
  const v3 = await pushImage(base, admin, 'v3', s.blobs[0], [randomBytes(10_000)]);
  assert.equal((await get(`${base}/v2/${REPO}/manifests/v3`, admin, accept)).h.get('docker-content-digest'), v3);
}
