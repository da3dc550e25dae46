import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { migrateToLatest, engineOf, type SqlDatabase } from '../../src/storage/index.js';
import { ALL_MIGRATIONS } from '../../src/app/migrations.js';
import { writeEvent, pendingEvents, markConsumed, outboxCursors, pruneOutbox } from '../../src/events/index.js';
import { RegistryMetadata } from '../../src/registry/metadata.js';
import { RegistryLocks } from '../../src/registry/locks.js';
import { parseManifest } from '../../src/registry/manifest-parse.js';
import { nextRunId } from '../../src/tasks/runs/run-ids.js';
import { VaultStore } from '../../src/vault/vault-store.js';
import { openTestDatabase } from '../helpers/database.js';

// The same store operations, through the stores' own APIs, on SQLite and on PostgreSQL: the results must be equal
// (and right). Covers what differs between the engines: 64-bit numbers, bytea, identity columns, upserts with
// `greater`, text ordering (C collation), atomic counters under concurrency, insertion-order tiebreaks.

const dbs: SqlDatabase[] = [];
after(async () => {
  for (const db of dbs) await db.destroy();
});

const sha = (s: string | Buffer) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

async function scenario(db: SqlDatabase): Promise<Record<string, unknown>> {
  await migrateToLatest(db, ALL_MIGRATIONS);
  const out: Record<string, unknown> = {};

  // Outbox: ids, cursors that never move back (the portable `greater` upsert), pruning.
  const at = new Date('2026-01-01T00:00:00Z');
  await writeEvent(db, 'image.pushed', { n: 1 }, at);
  await writeEvent(db, 'run.finished', { n: 2 }, at);
  await writeEvent(db, 'image.pushed', { n: 3 }, at);
  const pending = await pendingEvents(db, 'c1', ['image.pushed']);
  out.pending = pending.map((e) => [e.id, e.type, e.payload]);
  await markConsumed(db, 'c1', pending[1].id);
  await markConsumed(db, 'c1', pending[0].id); // older: the cursor stays
  const p2 = await pendingEvents(db, 'c2', ['run.finished']);
  await markConsumed(db, 'c2', p2[0].id);
  out.cursors = await outboxCursors(db);
  out.pruned = await pruneOutbox(db, 1, new Date('2026-02-01T00:00:00Z'));

  // Run ids: 25 concurrent allocations, each number once.
  const ids = await Promise.all(Array.from({ length: 25 }, () => nextRunId(db as never, 'MyRegistry')));
  out.runSeqs = ids.map((i) => i.seq).sort((a, b) => a - b);
  out.runIds = ids.map((i) => i.runId).sort();

  // Registry metadata: > 2^31 sizes, bytea content, tag/catalog order and pagination, storage totals.
  const meta = new RegistryMetadata(db);
  const ctx = { registry: 'reg', loginServer: 'reg.local' };
  const layer = sha('layer');
  const config = sha('config');
  await meta.linkBlob('reg', 'app', layer, 5_000_000_000);
  await meta.linkBlob('reg', 'app', config, 10);
  await meta.linkBlob('reg', 'Zeta', layer, 5_000_000_000);
  await meta.linkBlob('reg', 'alpha', layer, 5_000_000_000);
  out.link = await meta.blobLink('reg', 'app', layer);
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 10 },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer, size: 5_000_000_000 }],
    }),
  );
  const m = parseManifest(body, 'application/vnd.oci.image.manifest.v1+json');
  for (const tag of ['b', 'A', 'a', 'B', '_x', 'v1.10', 'v1.9'])
    await meta.putManifest(ctx, 'app', m, body, tag, {
      imageSize: 5_000_000_010,
      configMediaType: 'application/vnd.oci.image.config.v1+json',
      architecture: 'amd64',
      os: 'linux',
    });
  out.tags = await meta.listTags('reg', 'app', undefined, undefined);
  out.tagsPage = await meta.listTags('reg', 'app', 3, 'B');
  out.catalog = await meta.catalog('reg', undefined, undefined);
  const got = await meta.getManifest('reg', 'app', m.digest);
  out.manifest = got ? { equal: Buffer.compare(Buffer.from(got.content), body) === 0, size: got.size } : null;
  out.bytesOf = await meta.storageBytesOf('reg');
  out.bytes = [...(await meta.storageBytes()).entries()];

  // Locks: an upsert of the flags, hidden items leave listings.
  const locks = new RegistryLocks(db);
  await locks.set('reg', 'app', 'tag', 'a', { listEnabled: false });
  await locks.set('reg', 'app', 'tag', 'a', { writeEnabled: false });
  out.lock = await locks.get('reg', 'app', 'tag', 'a');
  out.visibleTags = await meta.listTags('reg', 'app', undefined, undefined);
  await locks.set('reg', 'alpha', 'repository', '', { listEnabled: false });
  out.visibleCatalog = await meta.catalog('reg', undefined, undefined);

  // Key Vault: versions created in the same second come back in insertion order; times beyond 2038.
  const vaults = new VaultStore(db);
  const secret = (version: string, value: string) => ({
    vault_lower: 'kv',
    name: 'S',
    name_lower: 's',
    version,
    value_enc: value,
    content_type: null,
    tags: null,
    enabled: 1,
    exp: 4_102_444_800, // 2100-01-01
    nbf: null,
    created: 1_700_000_000,
    updated: 1_700_000_000,
  });
  for (const [v, x] of [
    ['ffff', 'first'],
    ['0000', 'second'],
    ['8888', 'third'],
  ])
    await vaults.insertSecret(secret(v, x));
  const latest = await vaults.secret('kv', 'S');
  out.latestSecret = [latest?.version, latest?.value_enc, latest?.exp];
  out.latestOfEach = (await vaults.latestOfEach('kv')).map((r) => r.version);
  return out;
}

test('the stores give the same results on SQLite and PostgreSQL', async () => {
  const results: Record<string, Record<string, unknown>> = {};
  for (const engine of ['sqlite', 'postgres'] as const) {
    const db = await openTestDatabase(engine);
    dbs.push(db);
    assert.equal(engineOf(db), engine);
    results[engine] = await scenario(db);
  }
  const r = results.sqlite;
  // Right on SQLite...
  assert.deepEqual(r.pending, [
    [1, 'image.pushed', { n: 1 }],
    [3, 'image.pushed', { n: 3 }],
  ]);
  assert.deepEqual(r.cursors, { c1: 3, c2: 2 });
  assert.equal(r.pruned, 2);
  assert.deepEqual(
    r.runSeqs,
    Array.from({ length: 25 }, (_, i) => i + 1),
  );
  assert.deepEqual(r.link, { size: 5_000_000_000 });
  assert.deepEqual(r.tags, ['A', 'B', '_x', 'a', 'b', 'v1.10', 'v1.9']);
  assert.deepEqual(r.tagsPage, ['_x', 'a', 'b']);
  assert.deepEqual(r.catalog, ['Zeta', 'alpha', 'app']);
  assert.deepEqual(r.manifest, { equal: true, size: r.manifest && (r.manifest as { size: number }).size });
  assert.equal(typeof r.bytesOf, 'number');
  assert.ok((r.bytesOf as number) > 5_000_000_000);
  assert.deepEqual(r.lock, { deleteEnabled: true, writeEnabled: false, readEnabled: true, listEnabled: false });
  assert.deepEqual(r.visibleTags, ['A', 'B', '_x', 'b', 'v1.10', 'v1.9']);
  assert.deepEqual(r.visibleCatalog, ['Zeta', 'app']);
  assert.deepEqual(r.latestSecret, ['8888', 'third', 4_102_444_800]);
  assert.deepEqual(r.latestOfEach, ['8888']);
  // ...and the same on PostgreSQL (numbers as numbers, the same order, the same ids).
  assert.deepEqual(results.postgres, r);
});
