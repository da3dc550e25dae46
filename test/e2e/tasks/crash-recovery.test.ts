import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliFor } from '../../helpers/cli.js';
import { spawnServer, stopServer } from '../../helpers/server-process.js';

test(
  'a run interrupted by kill -9 of the server is reported Failed after restart, never left Running',
  { timeout: 300_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockyard-crash-'));
    const cli = cliFor(dir);
    let server = await spawnServer(dir, ['--engine', 'docker']);
    try {
      assert.equal((await cli('group', 'create', '-n', 'rg', '-l', 'eastus')).code, 0);
      assert.equal((await cli('acr', 'create', '-g', 'rg', '-n', 'crashregistry', '--sku', 'Basic')).code, 0);
      const q = await cli(
        'acr',
        'run',
        '-r',
        'crashregistry',
        '--cmd',
        'busybox sleep 120',
        '/dev/null',
        '--no-wait',
        '--query',
        'runId',
        '-o',
        'tsv',
      );
      assert.equal(q.code, 0, q.stderr);
      const runId = q.stdout.trim();
      let status = '';
      for (let i = 0; i < 600 && status !== 'Running'; i++) {
        status = (
          await cli(
            'acr',
            'task',
            'show-run',
            '-r',
            'crashregistry',
            '--run-id',
            runId,
            '--query',
            'status',
            '-o',
            'tsv',
          )
        ).stdout.trim();
        if (status !== 'Running') await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(status, 'Running');
      await stopServer(server.child, 'SIGKILL');

      server = await spawnServer(dir, ['--engine', 'docker']);
      const run = JSON.parse((await cli('acr', 'task', 'show-run', '-r', 'crashregistry', '--run-id', runId)).stdout);
      assert.equal(run.status, 'Failed');
      assert.match(run.runErrorMessage, /interrupted because the Dockyard server stopped/);
      const logs = await cli('acr', 'task', 'logs', '-r', 'crashregistry', '--run-id', runId);
      assert.match(logs.stdout, new RegExp(`Run ID: ${runId} failed after \\d+s\\. Error: The run was interrupted`));
    } finally {
      await stopServer(server.child);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
