import { createRequire } from 'node:module';
import type { DestinationStream, Logger } from 'pino';

// pino loads on first use, so importing shared/ stays cheap for the CLI (start-up is mostly module loading).
const requireCjs = createRequire(import.meta.url);
const pino = (...args: Parameters<typeof import('pino').default>): Logger =>
  (requireCjs('pino') as typeof import('pino').default)(...args) as unknown as Logger;
import { maskSecrets } from './masking.js';

export type { Logger };

/** Paths whose values are never written to a log, whatever module logs them. */
export const REDACT_PATHS = [
  'password',
  'secret',
  'value',
  'token',
  'access_token',
  'refresh_token',
  'client_secret',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-identity-header"]',
  '*.password',
  '*.secret',
  '*.value',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
];

/**
 * The server log. Known field names are redacted; on top, every line is masked with the secrets the process knows
 * (run secrets, task secrets, tokens obtained for runs) just before it is written, wherever in the line they are.
 */
export function createLogger(
  level: string = process.env.DOCKYARD_LOG_LEVEL ?? 'info',
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { svc: 'dockyard' },
      hooks: { streamWrite: (line) => maskSecrets(line) },
    },
    destination,
  );
}

export type LogFormat = 'auto' | 'json' | 'pretty';

/** Whether `format` means human-readable lines: `auto` is pretty on a terminal, JSON otherwise (files, pipes, journald). */
export function wantsPrettyLogs(format: LogFormat, isTTY: boolean | undefined): boolean {
  return format === 'pretty' || (format === 'auto' && isTTY === true);
}

/**
 * The server's logger on stdout: JSON lines, or pino-pretty's one line per entry (`12:00:01.234 INFO: dockyard ready
 * endpoint=...`) when wantsPrettyLogs. pino-pretty is loaded only then, in-process (no worker thread), and redaction
 * applies before formatting either way.
 */
export async function createServerLogger(
  level: string,
  format: LogFormat,
  stdout: { isTTY?: boolean } = process.stdout,
): Promise<Logger> {
  if (!wantsPrettyLogs(format, stdout.isTTY)) return createLogger(level);
  const { default: pretty } = await import('pino-pretty');
  return createLogger(
    level,
    pretty({
      colorize: stdout.isTTY === true && !process.env.NO_COLOR,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,svc',
      singleLine: true,
      sync: true,
    }),
  );
}

export const silentLogger = (): Logger => pino({ level: 'silent' });
