import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { defineSeedA } from './seed-a-flow.js';

// Seed walkthrough A with login servers by name over TLS: registries are <name>.seed-a.test:<port> (hosts entries from
// --manage-hosts), the private dockerd pushes to them with the local CA trusted (/etc/docker/certs.d), skopeo checks
// the pushed images with the CA in a cert dir — no --tls-verify=false — and a quick run pulls one back by name.
defineSeedA({
  title: 'seed A by name: a system identity pushes to <name>.<suffix> over TLS; the engine pulls it back',
  server: { loginServerSuffix: 'seed-a.test', tlsPort: 0, manageHosts: true },
  afterRun: async ({ cli, login, runId }) => {
    for (const r of ['myregistry', 'customregistry1', 'customregistry2']) {
      assert.match(login[r], new RegExp(`^${r}\\.seed-a\\.test:\\d+$`));
      assert.match(
        readFileSync('/etc/hosts', 'utf8'),
        new RegExp(`^127\\.0\\.0\\.1\\t${r}\\.seed-a\\.test\\t# dockyard:`, 'm'),
      );
    }
    // The private dockerd pulls the pushed image by name over TLS (the run logs in to its own registry).
    const pulled = await cli(
      'acr',
      'run',
      '-r',
      'customregistry1',
      '--cmd',
      `${login.customregistry1}/hello-world:${runId}`,
      '/dev/null',
    );
    assert.equal(pulled.code, 0, `${pulled.stderr}\n${pulled.stdout}`);
    assert.match(pulled.stdout, /Hello from Docker!/);
  },
});
