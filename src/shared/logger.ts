import pino, { type Logger } from 'pino';

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

export function createLogger(level: string = process.env.DOCKYARD_LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { svc: 'dockyard' } }, destination);
}

export const silentLogger = (): Logger => pino({ level: 'silent' });
