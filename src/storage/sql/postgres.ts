import type pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { knownSecrets, maskSecrets } from '../../shared/index.js';
import type { SqlDatabase } from './database.js';

/** OIDs of PostgreSQL's int8 (`bigint`, `count(*)`) and numeric (`sum(bigint)`), which `pg` returns as strings. */
const INT8 = 20;
const NUMERIC = 1700;

/** Whether a database setting is a PostgreSQL URL (anything else is refused; no URL means SQLite). */
export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url);

/** The URL with its password (and any `password=` parameter) replaced by `***`: the form logs and errors show. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString().replace(/%2A%2A%2A/g, '***');
  } catch {
    return 'postgres://***';
  }
}

/** Registers the URL and its password with the process-wide masking set (logs and API errors never show them). */
function registerSecrets(url: string): void {
  knownSecrets.add(url);
  try {
    const u = new URL(url);
    if (u.password) {
      knownSecrets.add(u.password);
      knownSecrets.add(decodeURIComponent(u.password));
    }
    const p = u.searchParams.get('password');
    if (p) knownSecrets.add(p);
  } catch {
    /* refused below by the connection attempt */
  }
}

/** Numbers stay numbers: int8 and numeric come back as JS numbers (the schema keeps them below 2^53). */
const typesOf = (pgTypes: typeof pg.types) =>
  ({
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === INT8 || oid === NUMERIC) return (v: string) => (v === null ? null : Number(v));
      return pgTypes.getTypeParser(oid, format as 'text');
    },
  }) as pg.CustomTypesConfig;

export interface PostgresOptions {
  url: string;
  /** Pool size (default 10). */
  max?: number;
  /** Called when an idle pooled connection fails (e.g. the server restarted); the pool replaces it. */
  onIdleError?: (err: Error) => void;
}

/**
 * Opens a pooled PostgreSQL database and checks it answers (so a wrong URL fails at startup with the URL's
 * password masked, not at the first request).
 */
export async function openPostgres(options: PostgresOptions): Promise<SqlDatabase> {
  if (!isPostgresUrl(options.url)) throw new Error('database must be a postgres:// or postgresql:// URL');
  registerSecrets(options.url);
  // pg loads only here: a SQLite server (and its start-up) never pays for it.
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    types: typesOf(pg.types),
    allowExitOnIdle: true,
  });
  pool.on('error', (err) => options.onIdleError?.(err));
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot connect to PostgreSQL at ${redactDatabaseUrl(options.url)}: ${maskSecrets(reason)}`);
  }
  return new Kysely({ dialect: new PostgresDialect({ pool }) });
}
