import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync, rmSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkContainerCreate,
  classify,
  PolicyDenied,
  RunDockerProxy,
  scopedFilters,
  type OwnershipLookup,
  type RunScope,
} from '../../src/tasks/sandbox/index.js';

// The run-scoped Docker API (docs/designs/security-model.md): the policy alone, then the proxy against a fake daemon.

const RUN = 'reg1-ca1';
let dir: string;
let workspace: string;

const lookup: OwnershipLookup = {
  ownContainer: async (ref) => (ref.startsWith('mine') ? `${ref}-fullid` : null),
  volume: async (name) =>
    name.startsWith('acb_vol_mine') ? 'own' : name.startsWith('acb_vol_') ? 'foreign' : 'missing',
};
const scope = (allowPrivileged = false): RunScope => ({
  runKey: RUN,
  workspaceRoot: workspace,
  proxySocketPath: join(dir, 'proxy.sock'),
  allowPrivileged,
});
const create = (hc: Record<string, unknown>, s = scope()) =>
  checkContainerCreate({ Image: 'busybox', HostConfig: hc }, s, lookup);
const refused = async (p: Promise<unknown>, re: RegExp) =>
  assert.rejects(p, (e: unknown) => e instanceof PolicyDenied && re.test(e.message));

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dy-proxy-'));
  workspace = join(dir, 'ws');
  mkdirSync(join(workspace, 'sub'), { recursive: true });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('policy: only allowlisted endpoints, with or without a version prefix', () => {
  assert.equal(classify('GET', '/_ping').kind, 'open');
  assert.equal(classify('HEAD', '/v1.41/_ping').kind, 'open');
  assert.deepEqual(classify('GET', '/v1.41/containers/abc/json'), { kind: 'container', id: 'abc', suffix: 'json' });
  assert.deepEqual(classify('DELETE', '/containers/abc'), { kind: 'container', id: 'abc', suffix: '' });
  assert.deepEqual(classify('POST', '/v1.41/images/127.0.0.1:5000/a/b/push'), {
    kind: 'image',
    name: '127.0.0.1:5000/a/b',
    op: 'push',
  });
  assert.equal(classify('POST', '/exec/e1/start').kind, 'exec');
  for (const [m, p] of [
    ['GET', '/events'],
    ['POST', '/containers/prune'],
    ['POST', '/containers/abc/update'],
    ['POST', '/images/load'],
    ['POST', '/volumes/prune'],
    ['GET', '/system/df'],
    ['POST', '/swarm/init'],
    ['POST', '/commit'],
    ['GET', '/exec/e1/start'],
    ['POST', '/plugins/pull'],
  ]) {
    assert.throws(() => classify(m, p), PolicyDenied, `${m} ${p}`);
  }
  assert.deepEqual(JSON.parse(scopedFilters('{"status":{"running":true}}', RUN)), {
    status: ['running'],
    label: [`dockyard.run=${RUN}`],
  });
});

test('policy: host root binds, foreign volumes and containers are refused; the socket and /workspace are rewritten', async () => {
  await refused(create({ Binds: ['/:/host'] }), /bind mount of '\/' refused/);
  await refused(create({ Binds: ['/workspace/sub:/x'] }), /mount the whole workspace/);
  await refused(create({ Mounts: [{ Type: 'bind', Source: '/etc', Target: '/x' }] }), /refused/);
  await refused(create({ Binds: ['acb_vol_other:/acb/home'] }), /belongs to another run/);
  await refused(
    create({ Mounts: [{ Type: 'volume', Source: 'acb_vol_other', Target: '/x' }] }),
    /belongs to another run/,
  );
  await refused(
    create({
      Mounts: [
        {
          Type: 'volume',
          Source: 'v',
          Target: '/x',
          VolumeOptions: { DriverConfig: { Name: 'local', Options: { device: '/' } } },
        },
      ],
    }),
    /driver options/,
  );
  await refused(create({ VolumesFrom: ['other'] }), /not a container of this run/);
  await refused(create({ NetworkMode: 'container:other' }), /not a container of this run/);
  await refused(create({ PidMode: 'container:other' }), /not a container of this run/);
  const body: Record<string, unknown> = {
    Image: 'docker',
    Labels: { 'dockyard.run': 'someone-else' },
    HostConfig: {
      Binds: [
        '/var/run/docker.sock:/var/run/docker.sock',
        '/workspace:/src:ro',
        'acb_vol_mine:/acb/home',
        'fresh:/cache',
      ],
      VolumesFrom: ['mine1:ro'],
      NetworkMode: 'host',
    },
  };
  const r = await checkContainerCreate(body, scope(), lookup);
  const hc = body.HostConfig as { Binds: string[]; VolumesFrom: string[] };
  assert.deepEqual(hc.Binds, [
    `${join(dir, 'proxy.sock')}:/var/run/docker.sock`,
    `${workspace}:/src:ro`,
    'acb_vol_mine:/acb/home',
    'fresh:/cache',
  ]);
  assert.deepEqual(hc.VolumesFrom, ['mine1-fullid:ro']);
  assert.deepEqual(body.Labels, { 'dockyard.run': RUN });
  assert.deepEqual(r.createVolumes, ['fresh']);
});

test('policy: privileged, host namespaces, devices, capabilities and unconfined profiles need the owner switch', async () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ Privileged: true }, /privileged container refused/],
    [{ PidMode: 'host' }, /host PID/],
    [{ IpcMode: 'host' }, /host IPC/],
    [{ UTSMode: 'host' }, /host UTS/],
    [{ UsernsMode: 'host' }, /host user namespace/],
    [{ Devices: [{ PathOnHost: '/dev/sda', PathInContainer: '/dev/sda', CgroupPermissions: 'rwm' }] }, /host devices/],
    [{ CapAdd: ['SYS_ADMIN'] }, /adding capabilities/],
    [{ SecurityOpt: ['apparmor=unconfined'] }, /security option/],
    [{ SecurityOpt: ['seccomp=unconfined'] }, /security option/],
    [{ MaskedPaths: [] }, /masked/],
  ];
  for (const [hc, re] of cases) {
    await refused(create(hc), re);
    await refused(create(hc), /allowPrivilegedSteps/);
    await create(hc, scope(true)); // allowed once the registry owner turned the switch on
  }
  await create({ SecurityOpt: ['no-new-privileges'] });
  await refused(create({ Binds: ['/:/host'] }, scope(true)), /refused/); // mounts stay scoped even then
});

// ---- the proxy against a fake daemon -------------------------------------------------------------------------------

interface Seen {
  method: string;
  url: string;
  body: string;
}
let daemon: Server;
let daemonSock: string;
const seen: Seen[] = [];
const containers: Record<string, { Id: string; Config: { Labels: Record<string, string> } }> = {
  mine: { Id: 'a'.repeat(64), Config: { Labels: { 'dockyard.run': RUN } } },
  theirs: { Id: 'b'.repeat(64), Config: { Labels: { 'dockyard.run': 'reg1-ca2' } } },
};
const execs: Record<string, string> = { emine: 'mine', etheirs: 'theirs' };
let proxy: RunDockerProxy;

function reply(req: IncomingMessage, body: string): { status: number; json: unknown } {
  const url = new URL(req.url!, 'http://d');
  const p = url.pathname.replace(/^\/v\d+\.\d+/, '');
  let m = /^\/containers\/([^/]+)\/json$/.exec(p);
  if (m && req.method === 'GET') {
    const c = containers[m[1]] ?? Object.values(containers).find((x) => x.Id === m![1]);
    return c ? { status: 200, json: c } : { status: 404, json: { message: `No such container: ${m[1]}` } };
  }
  m = /^\/exec\/([^/]+)\/json$/.exec(p);
  if (m)
    return execs[m[1]]
      ? { status: 200, json: { ContainerID: containers[execs[m[1]]].Id } }
      : { status: 404, json: { message: 'no such exec' } };
  m = /^\/volumes\/([^/]+)$/.exec(p);
  if (m && req.method === 'GET')
    return m[1] === 'acb_vol_theirs'
      ? { status: 200, json: { Name: m[1], Labels: { 'dockyard.run': 'reg1-ca2' } } }
      : { status: 404, json: { message: 'no such volume' } };
  if (p === '/build') return { status: 200, json: { aux: { ID: `sha256:${'c'.repeat(64)}` } } };
  return { status: 200, json: { ok: true, path: p, body: body ? JSON.parse(body) : null } };
}

before(async () => {
  daemonSock = join(dir, 'daemon.sock');
  daemon = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body });
      if (/\/wait/.test(req.url!)) {
        // Like dockerd: the headers at once (the CLI starts the container after them), the body at exit.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.flushHeaders();
        setTimeout(() => res.end('{"StatusCode":0}'), 400);
        return;
      }
      const r = reply(req, body);
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(r.json));
    });
  });
  daemon.on('upgrade', (req: IncomingMessage, socket) => {
    seen.push({ method: req.method!, url: req.url!, body: '' });
    socket.write('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    socket.on('data', (d: Buffer) => socket.write(d)); // echo, like an attached shell
  });
  await new Promise<void>((r) => daemon.listen(daemonSock, r));
  proxy = await RunDockerProxy.start({
    upstreamSocket: daemonSock,
    runKey: RUN,
    workspaceRoot: workspace,
    allowPrivileged: false,
    baseDir: join(dir, 'p'),
    isSharedImage: (r) => r === 'busybox' || r === 'busybox:latest',
  });
});
after(async () => {
  await proxy.close();
  assert.equal(existsSync(proxy.dir), false, 'the socket directory goes with the proxy');
  await new Promise((r) => daemon.close(r));
});

function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      { socketPath: proxy.socketPath, method, path, headers: data ? { 'content-type': 'application/json' } : {} },
      (res) => {
        let t = '';
        res.on('data', (c: Buffer) => (t += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, json: t ? JSON.parse(t) : null }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

function upgrade(path: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(proxy.socketPath, () =>
      s.write(
        `POST ${path} HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n`,
      ),
    );
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.includes('101 UPGRADED') && !got.includes('ping')) s.write('ping');
      if (got.includes('ping') || got.includes('403')) s.destroy();
    });
    s.on('close', () => resolve(got));
  });
}

test('proxy: foreign containers, execs and volumes are refused; own ones reach the daemon by full id', async () => {
  assert.equal((await call('GET', '/_ping')).status, 200);
  for (const p of ['/v1.41/containers/theirs/json', '/containers/theirs/logs?stdout=1']) {
    const r = await call('GET', p);
    assert.equal(r.status, 403);
    assert.match(r.json.message, /belongs to another run/);
  }
  assert.equal((await call('POST', '/containers/theirs/exec', { Cmd: ['env'] })).status, 403);
  assert.equal((await call('POST', '/exec/etheirs/start', { Detach: true })).status, 403);
  assert.equal((await call('GET', '/containers/nosuch/json')).status, 404);
  const own = await call('GET', '/v1.41/containers/mine/json');
  assert.equal(own.status, 200);
  assert.equal(seen.at(-1)!.url, `/v1.41/containers/${'a'.repeat(64)}/json`);
  assert.equal((await call('POST', '/containers/mine/exec', { Cmd: ['id'], Privileged: true })).status, 403);
  assert.match(await upgrade('/v1.41/containers/theirs/attach?stream=1'), /403 Forbidden[\s\S]*belongs to another run/);
  assert.match(await upgrade('/v1.41/containers/mine/attach?stream=1'), /101 UPGRADED[\s\S]*ping/);
  assert.match(await upgrade('/exec/emine/start'), /101 UPGRADED/);
  assert.equal((await call('GET', '/volumes/acb_vol_theirs')).status, 403);
  assert.equal((await call('POST', '/volumes/create', { Name: 'acb_vol_theirs' })).status, 403);
  assert.equal(
    (await call('POST', '/volumes/create', { Name: 'x', DriverOpts: { type: 'none', o: 'bind', device: '/' } })).status,
    403,
  );
  const v = await call('POST', '/volumes/create', { Name: 'cache' });
  assert.deepEqual(v.json.body.Labels, { 'dockyard.run': RUN });
  await call('GET', '/containers/json?all=1');
  assert.deepEqual(JSON.parse(new URL(seen.at(-1)!.url, 'http://d').searchParams.get('filters')!), {
    label: [`dockyard.run=${RUN}`],
  });
  assert.equal((await call('GET', '/events')).status, 403);
});

test('proxy: streamed answers pass their headers on at once (docker run waits for the wait headers before start)', async () => {
  const t0 = Date.now();
  const headersAt = await new Promise<number>((resolve, reject) => {
    const req = request(
      { socketPath: proxy.socketPath, method: 'POST', path: '/v1.41/containers/mine/wait?condition=removed' },
      (res) => {
        resolve(Date.now() - t0);
        res.resume();
      },
    );
    req.on('error', reject);
    req.end();
  });
  assert.ok(headersAt < 350, `headers after ${headersAt} ms`);
});

test("proxy: create is checked and labelled; images are the run's own or shared; builds take no local remote", async () => {
  const denied = await call('POST', '/v1.41/containers/create', {
    Image: 'busybox',
    HostConfig: { Binds: ['/:/host'] },
  });
  assert.equal(denied.status, 403);
  assert.match(denied.json.message, /bind mount of '\/' refused/);
  assert.equal(
    (await call('POST', '/containers/create', { Image: 'busybox', HostConfig: { Privileged: true } })).status,
    403,
  );
  const ok = await call('POST', '/containers/create?name=svc', {
    Image: 'busybox',
    HostConfig: { NetworkMode: 'host' },
  });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.body.Labels['dockyard.run'], RUN);
  // Another run's cached image: "no such image", so the CLI pulls it with this run's own registry rights.
  assert.equal((await call('POST', '/containers/create', { Image: '127.0.0.1:5000/other/secret:1' })).status, 404);
  assert.equal((await call('POST', '/images/127.0.0.1:5000/other/secret/push?tag=1')).status, 403);
  assert.equal((await call('POST', '/build?remote=/etc')).status, 403);
  assert.equal((await call('POST', '/build?networkmode=container:theirs')).status, 403);
  assert.equal((await call('POST', '/build?t=127.0.0.1:5000/mine/app:1')).status, 200);
  assert.equal((await call('POST', '/images/127.0.0.1:5000/mine/app/push?tag=1')).status, 200);
  assert.equal(
    (await call('POST', '/images/127.0.0.1:5000/mine/app:1/tag?repo=127.0.0.1:5000/mine/app&tag=2')).status,
    200,
  );
  assert.equal((await call('POST', '/images/127.0.0.1:5000/mine/app/push?tag=2')).status, 200);
  assert.equal((await call('POST', '/images/create?fromSrc=-')).status, 403);
});
