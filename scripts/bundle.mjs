// Bundles dockyard with esbuild into dist/bundle/ (what bin/dockyard.js runs): the entry src/bin/dockyard.ts plus
// code-split chunks, one per lazily imported part (each CLI command group, `serve`, `agent`, the task-file engine).
// Start-up was mostly module resolution and loading — ~70 files per CLI command, ~1,800 for `serve` (kysely alone
// ~260) — and is now a handful of files. scripts/build.mjs runs this after tsc (which type-checks and still emits
// dist/**: the render pool's worker thread runs dist/tasks/spec/render-worker.js).
//
// Bundled modules see the import.meta.url of their tsc output (dist/<path>.js), so paths computed from it (the
// dashboard's files, the project root, the worker script, createRequire) are the same as in the unbundled dist/.
// Packages stay external when native, optional, loaded on demand or path-sensitive (EXTERNAL): Node resolves them from
// node_modules at run time, as before.
import { readFile, writeFile } from 'node:fs/promises';
import { relative, sep } from 'node:path';

/** The bundle's directory, relative to the project root (two levels deep like dist/<module>/). */
export const BUNDLE_DIR = 'dist/bundle';

const EXTERNAL = [
  'better-sqlite3', // native
  'pg', // optional (PostgreSQL)
  '@azure/*', // optional (Azure Blob Storage)
  'dockerode', // optional (--engine docker); ssh2/grpc come with it
  'pino', // worker-thread transports find files by __dirname
  'pino-pretty',
  'undici', // loaded on demand (uploads, local CA trust)
  'tsx',
];

const posix = (p) => p.split(sep).join('/');

/**
 * Escapes what is left of non-ASCII in the output (comments: esbuild's default ASCII charset escapes strings,
 * templates and regular expressions): V8 keeps each module's source for lazy compilation, as Latin-1 when it can and
 * as UTF-16 otherwise, so one `→` in a comment doubled the 2.7 MB chunk `serve` loads. `\uXXXX` means the same
 * character wherever JavaScript reads escapes, and is plain text in a comment.
 */
async function asciiOnly(files) {
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    if (!/[^\x00-\x7f]/.test(text)) continue;
    const escaped = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    await writeFile(file, escaped);
  }
}

export async function bundle(root) {
  const { build } = await import('esbuild');
  const outdir = `${root}/${BUNDLE_DIR}`;
  const srcDir = `${root}${sep}src${sep}`;
  const tscOutputUrl = {
    name: 'import-meta-url-of-tsc-output',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (!args.path.startsWith(srcDir)) return undefined;
        const contents = await readFile(args.path, 'utf8');
        if (!contents.includes('import.meta.url')) return { contents, loader: 'ts' };
        const target = `${root}/dist/${posix(relative(srcDir, args.path)).replace(/\.ts$/, '.js')}`;
        const rel = JSON.stringify(posix(relative(outdir, target)));
        return {
          contents: contents.replaceAll('import.meta.url', `new URL(${rel}, import.meta.url).href`),
          loader: 'ts',
        };
      });
    },
  };
  // commander requires child_process at load time for executable subcommands (`program.command('x', 'desc')`), which
  // dockyard never declares: loading it (with dgram, net's child-process glue…) cost every CLI command ~2–5 ms.
  const lazyChildProcess = {
    name: 'commander-lazy-child-process',
    setup(b) {
      b.onLoad({ filter: /[\\/]node_modules[\\/]commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
        const contents = await readFile(args.path, 'utf8');
        const eager = "const childProcess = require('node:child_process');";
        if (!contents.includes(eager)) throw new Error(`${args.path}: "${eager}" not found (commander changed)`);
        const lazy = "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };";
        return { contents: contents.replace(eager, lazy), loader: 'js' };
      });
    },
  };
  const result = await build({
    absWorkingDir: root,
    entryPoints: { dockyard: `${root}/src/bin/dockyard.ts` },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: 'chunk-[hash]',
    external: EXTERNAL,
    plugins: [tscOutputUrl, lazyChildProcess],
    // CommonJS packages in ESM chunks (commander, fastify, …) require node: builtins and the external packages.
    banner: {
      js: "import { createRequire as __dockyardRequire } from 'node:module';\nconst require = __dockyardRequire(import.meta.url);",
    },
    logLevel: 'warning',
    legalComments: 'none',
    metafile: true,
  });
  await asciiOnly(Object.keys(result.metafile.outputs).map((f) => `${root}/${f}`));
  return result;
}
