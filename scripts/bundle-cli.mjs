// Bundles the CLI (src/bin/dockyard.ts + src/cli + src/shared + commander) with esbuild into dist/cli/bundle/: one
// entry plus code-split chunks (one per lazily imported command group), so a command loads a handful of files instead
// of ~70 modules and commander's CJS files. Every other src/ module the entry reaches (serve, agent, the local
// task-file engine) is imported from its tsc output in dist/ — the server keeps its files (import.meta.url paths,
// worker scripts). npm packages other than commander are not bundled: the CLI loads them only when a command needs
// them (yaml, jmespath, undici, pino, tar-stream), from node_modules as before.
import { relative, sep } from 'node:path';

/** The bundle's directory, relative to the project root; bin/dockyard.js runs its dockyard.js. */
export const CLI_BUNDLE_DIR = 'dist/cli/bundle';

const BUNDLED_SOURCES = ['src/bin/dockyard.ts', 'src/cli/', 'src/shared/'];
const BUNDLED_PACKAGES = new Set(['commander']);
const posix = (p) => p.split(sep).join('/');

export async function bundleCli(root) {
  const { build } = await import('esbuild');
  const outdir = `${root}/${CLI_BUNDLE_DIR}`;
  const split = {
    name: 'dockyard-cli-split',
    setup(b) {
      // Bare specifiers: packages stay external except commander (node: builtins are external on platform node).
      b.onResolve({ filter: /^[^./]/ }, (args) =>
        BUNDLED_PACKAGES.has(args.path) || args.kind === 'entry-point'
          ? undefined
          : { path: args.path, external: true },
      );
      // Relative imports outside the CLI's own sources: the tsc output, relative to the bundle.
      b.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.pluginData === 'inner' || !args.importer.startsWith(`${root}${sep}src${sep}`)) return undefined;
        const r = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'inner' });
        if (r.errors.length) return { errors: r.errors };
        const rel = posix(relative(root, r.path));
        if (!rel.startsWith('src/') || BUNDLED_SOURCES.some((p) => rel === p || rel.startsWith(p))) return r;
        const target = `${root}/dist/${rel.slice('src/'.length).replace(/\.ts$/, '.js')}`;
        return { path: posix(relative(outdir, target)), external: true };
      });
    },
  };
  return build({
    absWorkingDir: root,
    entryPoints: { dockyard: `${root}/src/bin/dockyard.ts` },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: 'chunk-[hash]',
    plugins: [split],
    // commander is CommonJS: its require('node:events') etc. need a real require inside the ESM chunks.
    banner: {
      js: "import { createRequire as __dockyardRequire } from 'node:module';\nconst require = __dockyardRequire(import.meta.url);",
    },
    logLevel: 'warning',
    legalComments: 'none',
    metafile: true,
  });
}
