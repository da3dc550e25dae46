import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { cliFor } from '../helpers/cli.js';

// Issue 12 item 1 on the real engine: what a task step used to do with the daemon's socket (root on the host, the admin
// key, other runs' identities and volumes) is refused by the run-scoped Docker API; privileged steps need the owner's
// switch; a workload identity header dies with its run. docs/designs/security-model.md lists which test shows what.
let s: TestServer;
let cli: ReturnType<typeof cliFor>;
let work: string;
let regId: string;
const API = 'api-version=2019-06-01-preview';

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'dockyard-sec-'));
  s = await startTestServer({ engine: 'docker' });
  cli = cliFor(s.dataDir);
  assert.equal((await cli('group', 'create', '-n', 'rg', '-l', 'eastus')).code, 0);
  const c = await cli('acr', 'create', '-g', 'rg', '-n', 'secregistry', '--sku', 'Basic');
  assert.equal(c.code, 0, c.stderr);
  regId = JSON.parse(c.stdout).id;
});
after(async () => {
  await s.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** A quick run of a task file (`acr run -f`), waited for. */
async function quickRun(name: string, yaml: string) {
  const f = join(work, `${name}.yaml`);
  writeFileSync(f, yaml);
  return cli('acr', 'run', '-r', 'secregistry', '-f', f, '/dev/null');
}

/** The real daemon, as the host (not a step) sees it. */
async function daemon(path: string): Promise<{ status: number; json: any }> {
  const sock = (await s.platform.runner.engine()).dockerSocketPath;
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: sock, path }, (res) => {
      let t = '';
      res.on('data', (c: Buffer) => (t += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, json: t ? JSON.parse(t) : null }));
    });
    req.on('error', reject);
    req.end();
  });
}

const runStatus = async (runId: string): Promise<string> => {
  const j = (await s.api(`${regId}/runs/${runId}?${API}`)).json;
  return j.properties?.status ?? j.status;
};
async function runLog(runId: string): Promise<string> {
  const { logLink } = (await s.api(`${regId}/runs/${runId}/listLogSasUrl?${API}`, { method: 'POST' })).json;
  return (await fetch(logLink)).text();
}
async function until<T>(what: string, f: () => Promise<T | undefined | false>, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test(
  '(a) a step cannot bind-mount the host root: the admin key never reaches the log',
  { timeout: 300_000 },
  async () => {
    const key = readFileSync(join(s.dataDir, 'admin.key'), 'utf8').trim();
    const r = await quickRun(
      'rootfs',
      [
        'version: v1.1.0',
        'steps:',
        `  - cmd: docker run --rm -v /:/host busybox cat /host${s.dataDir}/admin.key`,
        '    ignoreErrors: true',
        `  - cmd: docker run --rm -v ${s.dataDir}:/d busybox cat /d/admin.key`,
        '    ignoreErrors: true',
        '  - cmd: docker run --rm --mount type=volume,dst=/h,volume-driver=local,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/ busybox ls /h',
        '    ignoreErrors: true',
        '  - cmd: docker run --rm -v /var/run/docker.sock:/var/run/docker.sock docker version',
        '',
      ].join('\n'),
    );
    assert.ok(!r.stdout.includes(key) && !r.stderr.includes(key), 'the admin key was printed');
    assert.match(r.stdout, /bind mount of '\/' refused: steps may only mount the run's workspace/);
    // The run log shows the data dir as <data-dir> (the one masking function scrubs host paths from run output).
    assert.match(r.stdout, /bind mount of '<data-dir>' refused/);
    assert.ok(!r.stdout.includes(s.dataDir), 'the absolute data dir never reaches the log');
    assert.match(r.stdout, /volume driver options are not allowed/);
    // Docker-in-docker still works: the socket a step mounts is its run's own scoped API.
    assert.match(r.stdout, /Server:[\s\S]*Version:\s+\d+\.\d+/);
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}`);
  },
);

test(
  "(b,c,d) another run's containers, volumes and identity header are out of reach; the header dies with its run",
  { timeout: 400_000 },
  async () => {
    const t = await cli(
      'acr',
      'task',
      'create',
      '-r',
      'secregistry',
      '-n',
      'victimtask',
      '--cmd',
      'busybox sh -c "echo victim-secret-output; sleep 900"',
      '-c',
      '/dev/null',
      '--assign-identity',
    );
    assert.equal(t.code, 0, t.stderr);
    const victim = (
      await s.api(`${regId}/scheduleRun?${API}`, {
        method: 'POST',
        body: { type: 'TaskRunRequest', taskId: `${regId}/tasks/victimtask` },
      })
    ).json.runId as string;
    const name = `acb_step_0-${victim}`;
    const c = await until('the victim step container', async () => {
      const r = await daemon(`/containers/${name}/json`);
      return r.status === 200 && r.json.State.Running ? r.json : undefined;
    });
    const header = (c.Config.Env as string[])
      .find((e) => e.startsWith('IDENTITY_HEADER='))!
      .slice('IDENTITY_HEADER='.length);
    const homeVolume = /Using (acb_vol_[\w-]+) as the home volume/.exec(await runLog(victim))![1];
    const msi = () =>
      fetch(`${s.endpoint}/msi/token?api-version=2019-08-01&resource=https://management.azure.com/`, {
        headers: { 'x-identity-header': header },
      });
    assert.equal(
      (await msi()).status,
      200,
      'while its run runs, the header works (stolen here from the host, not from a step)',
    );

    const r = await quickRun(
      'neighbour',
      [
        'version: v1.1.0',
        'steps:',
        ...[
          `inspect ${name}`,
          `logs ${name}`,
          `exec ${name} env`,
          `stop ${name}`,
          `rm -f ${name}`,
          `volume inspect ${homeVolume}`,
          `run --rm -v ${homeVolume}:/v busybox cat /v/.docker/config.json`,
          `run --rm --volumes-from ${name} busybox true`,
          `run --rm --network container:${name} busybox true`,
        ].flatMap((cmd) => [`  - cmd: docker ${cmd}`, '    ignoreErrors: true']),
        '  - cmd: docker ps -a --format "ps:{{.Names}}"',
        '  - cmd: docker volume ls --format "vol:{{.Name}}"',
        '',
      ].join('\n'),
    );
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}`);
    const out = r.stdout;
    assert.equal(
      out.match(new RegExp(`Error response from daemon: container '${name}' belongs to another run`, 'g'))?.length,
      5,
      out,
    );
    assert.equal(
      out.match(new RegExp(`Error response from daemon: volume '${homeVolume}' belongs to another run`, 'g'))?.length,
      2,
      out,
    );
    assert.match(out, new RegExp(`--volumes-from '${name}' refused`));
    assert.match(out, new RegExp(`network mode 'container:${name}' refused`));
    assert.ok(!out.includes(header), 'the victim header leaked');
    assert.ok(!out.includes('victim-secret-output'), 'the victim log leaked');
    assert.ok(
      !/ps:acb_step_0-/.test(out.replace(/ps:acb_step_\d+-\w+/g, (m) => (m.endsWith(victim) ? m : ''))),
      'docker ps lists the victim',
    );
    assert.ok(!out.includes(`vol:${homeVolume}`), 'docker volume ls lists the victim volume');
    assert.equal((await daemon(`/containers/${name}/json`)).json.State.Running, true, 'the victim container survived');

    // The victim ends (canceled here): its header is refused from then on, also before its cleanup finished.
    assert.equal((await s.api(`${regId}/runs/${victim}/cancel?${API}`, { method: 'POST' })).status < 300, true);
    await until(
      'the victim run to end',
      async () => !['Running', 'Queued', 'Started'].includes(await runStatus(victim)),
    );
    const after = await msi();
    const text = await after.text();
    assert.ok(after.status === 400 || after.status === 401, text);
    assert.match(text, /missing, invalid or expired/);
  },
);

const PRIV_YAML = [
  'version: v1.1.0',
  'steps:',
  '  - cmd: busybox echo privileged-step-ok',
  '    privileged: true',
  '    ignoreErrors: true',
  '  - cmd: docker run --rm --privileged busybox echo privileged-inner-ok',
  '    ignoreErrors: true',
  '  - cmd: docker run --rm --cap-add NET_ADMIN --pid host busybox echo capadd-ok',
  '    ignoreErrors: true',
  '',
].join('\n');

/** Once allowed, the daemon is asked: the step prints its marker, or runc says this (containerised) host cannot. */
const ranOrRuntimeError = (out: string, marker: string) =>
  assert.match(out, new RegExp(`\\n${marker}\\n|OCI runtime create failed|operation not permitted`));

test(
  '(e) privileged steps are refused by default and allowed once the registry owner enables the task switch',
  { timeout: 300_000 },
  async () => {
    const refusedAll = (out: string) => {
      assert.match(out, /step acb_step_0 asks for a privileged container: privileged steps are off for this task/);
      assert.match(
        out,
        /Docker API request refused: privileged container refused: privileged steps are off for this task/,
      );
      assert.match(
        out,
        /Docker API request refused: host PID namespace refused|Docker API request refused: adding capabilities refused/,
      );
      assert.doesNotMatch(out, /privileged-step-ok|privileged-inner-ok|capadd-ok/);
    };
    refusedAll((await quickRun('priv', PRIV_YAML)).stdout);

    const body = (allow?: boolean) => ({
      location: 'eastus',
      properties: {
        ...(allow === undefined ? {} : { allowPrivilegedSteps: allow }),
        step: { type: 'EncodedTask', encodedTaskContent: Buffer.from(PRIV_YAML).toString('base64') },
        platform: { os: 'linux' },
      },
    });
    const taskId = `${regId}/tasks/privtask`;
    const put = await s.api(`${taskId}?${API}`, { method: 'PUT', body: body() });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json.allowPrivilegedSteps, false);
    refusedAll((await cli('acr', 'task', 'run', '-n', 'privtask', '-r', 'secregistry')).stdout);

    const upd = await cli(
      'acr',
      'task',
      'update',
      '-n',
      'privtask',
      '-r',
      'secregistry',
      '--allow-privileged-steps',
      'true',
    );
    assert.equal(upd.code, 0, upd.stderr);
    assert.equal(JSON.parse(upd.stdout).allowPrivilegedSteps, true);
    const on = await cli('acr', 'task', 'run', '-n', 'privtask', '-r', 'secregistry');
    assert.doesNotMatch(on.stdout, /privileged steps are off|Docker API request refused/);
    ranOrRuntimeError(on.stdout, 'privileged-step-ok');
    ranOrRuntimeError(on.stdout, 'privileged-inner-ok');
    ranOrRuntimeError(on.stdout, 'capadd-ok');
  },
);
