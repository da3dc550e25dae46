// Network-rule bench: cost of checkNetwork (pure, 200 rules), of the wired port (+ registry row lookup in SQLite),
// and GET /v2/ latency through HTTP with rules off vs. Deny + 200 rules (the match is the last rule).
// Run: node --import tsx bench/network.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { startServer } from '../src/app/index.js';
import { withNetworkRules } from '../src/app/wire-network.js';
import { checkNetwork, type NetworkSettings } from '../src/network/index.js';

const N = 200_000;
const HTTP_N = 3000;
const rules = Array.from({ length: 200 }, (_, i) => ({ action: 'Allow', ipAddressOrRange: `10.${i}.0.0/16` }));
rules[199] = { action: 'Allow', ipAddressOrRange: '127.0.0.1' };
const settings: NetworkSettings = {
  publicNetworkAccess: 'Enabled',
  networkRuleSet: { defaultAction: 'Deny', ipRules: rules },
  networkRuleBypassOptions: 'AzureServices',
  networkRuleBypassAllowedForTasks: false,
};

let t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) checkNetwork(settings, '127.0.0.1', null);
const pureNs = Number(process.hrtime.bigint() - t0) / N;

const dir = mkdtempSync(join(tmpdir(), 'dockyard-bench-net-'));
const running = await startServer(
  loadConfig({ env: {}, flags: { dataDir: dir, port: 0, logLevel: 'silent', engine: 'none' } }),
);
const admin = `DockyardKey ${running.platform.admin.key}`;
const api = (path: string, method: string, body: unknown) =>
  fetch(`${running.endpoint}${path}`, {
    method,
    headers: { authorization: admin, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then((r) => r.json() as Promise<any>);
const rg = `/subscriptions/${running.platform.subscriptionId}/resourceGroups/bench`;
await api(`${rg}?api-version=2022-09-01`, 'PUT', { location: 'eastus' });
const reg = await api(`${rg}/providers/Microsoft.ContainerRegistry/registries/benchnet?api-version=2025-04-01`, 'PUT', {
  location: 'eastus',
  sku: { name: 'Premium' },
});
const port = withNetworkRules({} as never, {
  registries: running.platform.registries,
  config: { trustedProxies: [], tasksNetworkBypass: 'seed' },
  log: running.platform.log,
});
const info = { id: reg.id, name: 'benchnet', loginServer: reg.loginServer, adminUserEnabled: false };
await port.checkNetwork!(info, '127.0.0.1', null);
t0 = process.hrtime.bigint();
for (let i = 0; i < 20_000; i++) await port.checkNetwork!(info, '127.0.0.1', null);
const portUs = Number(process.hrtime.bigint() - t0) / 20_000 / 1000;

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const auth = `Basic ${Buffer.from(`00000000-0000-0000-0000-00000000ad01:${running.platform.admin.key}`).toString('base64')}`;
const get = () =>
  new Promise<number>((resolve, reject) => {
    const req = request(`http://${reg.loginServer}/v2/`, { agent, headers: { authorization: auth } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
async function timeGets(): Promise<number> {
  for (let i = 0; i < 200; i++) await get();
  const t = process.hrtime.bigint();
  for (let i = 0; i < HTTP_N; i++) if ((await get()) !== 200) throw new Error('unexpected status');
  return Number(process.hrtime.bigint() - t) / HTTP_N / 1000;
}
const open = await timeGets();
await api(`${rg}/providers/Microsoft.ContainerRegistry/registries/benchnet?api-version=2025-04-01`, 'PATCH', {
  properties: {
    networkRuleSet: {
      defaultAction: 'Deny',
      ipRules: rules.map((r) => ({ action: 'Allow', value: r.ipAddressOrRange })),
    },
  },
});
const denyRules = await timeGets();
console.log(
  JSON.stringify({
    pureCheckNs200Rules: Math.round(pureNs),
    wiredPortUs: +portUs.toFixed(1),
    httpGetV2UsDefaultAllow: +open.toFixed(1),
    httpGetV2UsDeny200Rules: +denyRules.toFixed(1),
  }),
);
await running.stop();
rmSync(dir, { recursive: true, force: true });
