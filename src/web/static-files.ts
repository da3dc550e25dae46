import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { DockyardError } from '../shared/index.js';

/**
 * Where `scripts/build-web.mjs` writes the built dashboard (gitignored, built by `npm ci`/`npm start`/`npm test`):
 * src/web/dist, also when this file runs compiled from dist/web/ (tsc does not copy the dashboard).
 */
export const DASHBOARD_DIST = fileURLToPath(
  new URL(import.meta.url.endsWith('/dist/web/static-files.js') ? '../../src/web/dist/' : './dist/', import.meta.url),
);
export const DASHBOARD_PREFIX = '/dashboard/';

/** The app loads only its own files and talks only to this origin. */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Resolves a URL path below `root`, or null when it escapes it. */
export function resolveStatic(root: string, urlPath: string): string | null {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  const full = normalize(join(root, rel));
  const base = root.endsWith(sep) ? root : root + sep;
  return full === root || full.startsWith(base) ? full : null;
}

async function isFile(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * Serves the built single-page app under `/dashboard/` (hashed assets cached forever, index.html never), redirects
 * `/` there. Unknown paths below the prefix get index.html so deep links work.
 */
export function registerStaticFiles(app: FastifyInstance, root = DASHBOARD_DIST): void {
  const send = async (reply: FastifyReply, file: string, immutable: boolean) => {
    const body = await readFile(file);
    return reply
      .header('content-type', TYPES[extname(file)] ?? 'application/octet-stream')
      .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', DASHBOARD_CSP)
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .send(body);
  };
  const index = async (reply: FastifyReply) => {
    const file = join(root, 'index.html');
    if (!(await isFile(file))) throw new DockyardError('DashboardNotBuilt');
    return send(reply, file, false);
  };
  app.get('/', async (_req, reply) => reply.redirect(DASHBOARD_PREFIX, 302));
  // With the API's ignoreTrailingSlash this also answers `/dashboard/`.
  app.get('/dashboard', async (_req, reply) => index(reply));
  app.get('/dashboard/*', async (req, reply) => {
    // From the raw URL: the router matches case-insensitively, asset names are case-sensitive.
    const rest = req.url.split('?')[0].replace(/^\/dashboard\/?/i, '');
    if (rest === '' || rest === 'index.html') return index(reply);
    const file = resolveStatic(root, rest);
    if (file && (await isFile(file))) return send(reply, file, rest.startsWith('assets/'));
    if (rest.startsWith('assets/')) throw new DockyardError('ResourceNotFound', `No dashboard asset '${rest}'.`);
    return index(reply);
  });
}
