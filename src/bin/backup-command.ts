import { Command } from 'commander';
import { resolve } from 'node:path';
import { backupDataDir, layoutOf, restoreDataDir } from '../backup/index.js';
import { loadConfig } from '../config/index.js';

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

/** `dockyard backup --out <dir> [--data-dir d] [--config f] [--include-key]` (docs/deploy.md §5). */
export async function runBackupCommand(args: string[]): Promise<void> {
  const cmd = new Command('backup')
    .description(
      'Back up a single-machine install while it runs: database snapshot, then blobs, run logs and the local CA.',
    )
    .requiredOption('--out <dir>', 'a new (or empty) directory for the backup')
    .option('--data-dir <dir>', 'the data dir of the install (default ./.dockyard)')
    .option('--config <file>', "the server's JSON config file (default <data-dir>/config.json)")
    .option('--include-key', 'also put the master key in the backup (default: keep vault.key apart from backups)');
  cmd.parse(args, { from: 'user' });
  const o = cmd.opts();
  const layout = layoutOf(loadConfig({ file: o.config, flags: { dataDir: o.dataDir } }));
  const out = resolve(String(o.out));
  const started = Date.now();
  const m = await backupDataDir(layout, out, { includeKey: Boolean(o.includeKey) });
  process.stdout.write(
    `Backed up ${layout.dataDir} to ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s: database, ` +
      `${m.blobs.files} blob file(s) (${mib(m.blobs.bytes)}, all ${m.blobs.linked} linked digests present)` +
      `${m.runs ? ', run logs' : ''}${m.tls ? ', local CA' : ''}.\n` +
      (m.masterKey.included
        ? 'The master key is in the backup (master.key): protect the backup like the data dir.\n'
        : `The master key is NOT in the backup: keep a copy of ${layout.keyFile} apart from it ` +
          `(fingerprint ${m.masterKey.fingerprint}); a restore needs it.\n`),
  );
}

/** `dockyard restore --from <backup> --data-dir <new dir> [--key-file f]` */
export async function runRestoreCommand(args: string[]): Promise<void> {
  const cmd = new Command('restore')
    .description('Restore a `dockyard backup` into a new data dir.')
    .requiredOption('--from <dir>', 'the backup directory')
    .requiredOption('--data-dir <dir>', 'the data dir to create (must not exist or be empty)')
    .option('--key-file <file>', 'the master key (vault.key) the backup was taken with, unless the backup holds it');
  cmd.parse(args, { from: 'user' });
  const o = cmd.opts();
  const dataDir = resolve(String(o.dataDir));
  const r = await restoreDataDir(resolve(String(o.from)), dataDir, {
    keyFile: o.keyFile ? resolve(String(o.keyFile)) : undefined,
  });
  process.stdout.write(
    `Restored the backup of ${r.manifest.createdAt} into ${dataDir}: database, ${r.blobs} blob file(s) ` +
      `(${mib(r.bytes)}, digests verified), master key. Start it with: dockyard serve --data-dir ${dataDir}\n`,
  );
}
