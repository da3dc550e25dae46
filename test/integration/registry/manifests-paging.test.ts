import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { sql } from 'kysely';
import { registryOf } from '../../../src/app/index.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';
import { registryClient } from '../triggers/registry-client.js';

const LOCAL_ADMIN = '00000000-0000-0000-0000-00000000ad01';
const COUNT = 105;
let s: TestServer;
let loginServer = '';
let basic = '';
const digests: string[] = [];

async function get(path: string): Promise<{ status: number; link: string | null; json: any }> {
  const res = await fetch(`http://${loginServer}${path}`, { headers: { authorization: basic } });
  return { status: res.status, link: res.headers.get('link'), json: await res.json() };
}

/** Follows `Link` headers from `path`; returns every manifest in page order and the page count. */
async function walk(path: string): Promise<{ manifests: any[]; pages: number }> {
  const manifests: any[] = [];
  let pages = 0;
  let next: string | null = path;
  while (next) {
    const r = await get(next);
    assert.equal(r.status, 200);
    manifests.push(...r.json.manifests);
    pages++;
    next = r.link ? /<([^>]+)>; rel="next"/.exec(r.link)![1] : null;
  }
  return { manifests, pages };
}

before(async () => {
  s = await startTestServer({ triggerPollSeconds: 3600 });
  const cli = cliFor(s.dataDir);
  assert.equal((await cli('group', 'create', '-n', 'rg', '-l', 'eastus')).code, 0);
  const c = await cli(
    'acr',
    'create',
    '-g',
    'rg',
    '-n',
    'pagedreg',
    '--sku',
    'Basic',
    '--query',
    'loginServer',
    '-o',
    'tsv',
  );
  assert.equal(c.code, 0, c.stderr);
  loginServer = c.stdout.trim();
  basic = `Basic ${Buffer.from(`${LOCAL_ADMIN}:${s.platform.admin.key}`).toString('base64')}`;
  const reg = registryClient(loginServer, basic);
  for (let i = 0; i < COUNT; i++) digests.push(await reg.push('app', `t${String(i).padStart(3, '0')}`, `layer ${i}`));
  await reg.push('app', 'extra', 'layer 0');
});
after(async () => {
  await s.cleanup();
});

test('_manifests pages by digest with n/last and a Link header; every manifest once, with its tags and platform', async () => {
  const first = await get('/acr/v1/app/_manifests?n=10');
  assert.equal(first.json.manifests.length, 10);
  assert.match(first.link!, /^<\/acr\/v1\/app\/_manifests\?last=sha256%3A[0-9a-f]{64}&n=10>; rel="next"$/);
  const { manifests, pages } = await walk('/acr/v1/app/_manifests?n=10');
  assert.equal(pages, 11);
  assert.deepEqual(
    manifests.map((m) => m.digest),
    [...digests].sort(),
  );
  const m0 = manifests.find((m) => m.digest === digests[0]);
  assert.deepEqual(m0.tags, ['extra', 't000']);
  assert.equal(m0.architecture, 'amd64');
  assert.equal(m0.os, 'linux');
  assert.equal(m0.configMediaType, 'application/vnd.oci.image.config.v1+json');
  assert.ok(m0.imageSize > 0);
  // Without n: ACR's default page of 100, then a Link.
  const dflt = await get('/acr/v1/app/_manifests');
  assert.equal(dflt.json.manifests.length, 100);
  assert.ok(dflt.link);
  assert.deepEqual((await get('/acr/v1/app/_manifests?n=0')).json.manifests, []);
  const one = await get(`/acr/v1/app/_manifests/${digests[3]}`);
  assert.equal(one.json.manifest.digest, digests[3]);
  assert.deepEqual(one.json.manifest.tags, ['t003']);
});

test('_manifests orderby=timeasc|timedesc pages in push order and keeps orderby in the Link', async () => {
  const asc = await walk('/acr/v1/app/_manifests?n=7&orderby=timeasc');
  assert.equal(asc.pages, 15);
  assert.deepEqual(
    asc.manifests.map((m) => m.digest),
    [...asc.manifests]
      .sort((a, b) =>
        a.createdTime === b.createdTime ? (a.digest < b.digest ? -1 : 1) : a.createdTime < b.createdTime ? -1 : 1,
      )
      .map((m) => m.digest),
  );
  assert.equal(new Set(asc.manifests.map((m) => m.digest)).size, COUNT);
  const r = await get('/acr/v1/app/_manifests?n=7&orderby=timedesc');
  assert.match(r.link!, /orderby=timedesc/);
  const desc = await walk('/acr/v1/app/_manifests?n=7&orderby=timedesc');
  assert.deepEqual(
    desc.manifests.map((m) => m.digest),
    asc.manifests.map((m) => m.digest).reverse(),
  );
  assert.equal((await get('/acr/v1/app/_manifests?orderby=sideways')).status, 400);
});

test('rows stored before summaries existed are filled once (backfill), and read from the row afterwards', async () => {
  const db = registryOf(s.platform)!.metadata.db;
  await sql`update reg_manifests set summarized = 0, architecture = null, os = null, config_media_type = null, image_size = null`.execute(
    db,
  );
  const page = await get('/acr/v1/app/_manifests?n=5');
  assert.ok(page.json.manifests.every((m: any) => m.architecture === 'amd64' && m.os === 'linux' && m.imageSize > 0));
  const left = await sql<{ c: number }>`select count(*) as c from reg_manifests where summarized = 0`.execute(db);
  assert.equal(Number(left.rows[0].c), COUNT - 5);
  const { backfillSummaries } = await import('../../../src/registry/manifest-listing.js');
  assert.equal(await backfillSummaries(db as never, registryOf(s.platform)!.blobs), COUNT - 5);
});

test('a _manifests request whose client goes away stops building its page', async () => {
  const mod = registryOf(s.platform)!;
  let built = 0;
  mod.hooks.manifestRow = async () => {
    built++;
    await new Promise((r) => setTimeout(r, 20));
  };
  try {
    const before = mod.stats.abandoned;
    const [host, port] = loginServer.split(':');
    await new Promise<void>((resolve) => {
      const req = request({
        host,
        port: Number(port),
        path: '/acr/v1/app/_manifests?n=100',
        headers: { authorization: basic },
        agent: false,
      });
      req.on('error', () => resolve());
      req.end();
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 300);
    });
    await new Promise((r) => setTimeout(r, 700));
    const seen = built;
    assert.ok(seen > 0 && seen < 60, `built ${seen} of 100 rows`);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(built, seen, 'no more rows after the client left');
    assert.equal(mod.stats.abandoned, before + 1);
  } finally {
    delete mod.hooks.manifestRow;
  }
});

test('the CLI follows the Link header: show-manifests and list-metadata return every manifest; --top stops early', async () => {
  const cli = cliFor(s.dataDir);
  const all = await cli('acr', 'repository', 'show-manifests', '-n', 'pagedreg', '--repository', 'app', '-o', 'json');
  assert.equal(all.code, 0, all.stderr);
  assert.equal(JSON.parse(all.stdout).length, COUNT);
  const top = await cli(
    'acr',
    'manifest',
    'list-metadata',
    '-r',
    'pagedreg',
    '-n',
    'app',
    '--top',
    '3',
    '--orderby',
    'time_desc',
    '-o',
    'json',
  );
  assert.equal(top.code, 0, top.stderr);
  assert.equal(JSON.parse(top.stdout).length, 3);
});
