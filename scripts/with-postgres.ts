// Runs a command with one private PostgreSQL 15 cluster shared by all its test processes
// (DOCKYARD_TEST_PG_ADMIN_URL) and DOCKYARD_TEST_DATABASE=postgres; stops the cluster after. Used by run-tests.mjs.
// Usage: node --import tsx scripts/with-postgres.ts <command> [args...]
import { spawn } from 'node:child_process';
import { startPostgresCluster } from '../test/helpers/postgres.js';

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error('usage: with-postgres.ts <command> [args...]');
  process.exit(2);
}
const cluster = await startPostgresCluster();
const child = spawn(cmd, args, {
  stdio: 'inherit',
  env: { ...process.env, DOCKYARD_TEST_DATABASE: 'postgres', DOCKYARD_TEST_PG_ADMIN_URL: cluster.adminUrl },
});
const code = await new Promise<number>((resolve) => child.once('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
await cluster.stop();
process.exit(code);
