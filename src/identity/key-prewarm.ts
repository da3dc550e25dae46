import { generateKeyPair, type KeyObject } from 'node:crypto';

let pending: Promise<KeyObject> | undefined;

/** Generates an RSA-2048 private key on libuv's thread pool (150–300 ms of CPU, off the event loop). */
export function generateSigningKey(): Promise<KeyObject> {
  return new Promise((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: 2048 }, (err, _publicKey, privateKey) =>
      err ? reject(err) : resolve(privateKey),
    ),
  );
}

/**
 * Starts generating the first signing key while the server is still starting (a fresh install needs one before the
 * identity module opens its key ring): `serve` calls this when the data dir has no database yet.
 */
export function prewarmSigningKey(): void {
  pending ??= generateSigningKey();
  pending.catch(() => undefined); // a failure shows when the ring takes it (or it generates its own)
}

/** The key `prewarmSigningKey` started, once; else a new one. */
export function takeSigningKey(): Promise<KeyObject> {
  const p = pending;
  pending = undefined;
  return p ? p.catch(() => generateSigningKey()) : generateSigningKey();
}
