import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Marks a value sealed by {@link SecretCipher.seal}; anything else in such a column is a plaintext row from before. */
export const SEALED_PREFIX = 'enc:v1:';

/**
 * The data-at-rest key: one 32-byte key in the data dir (mode 0600), shared by Key Vault secrets, task secrets and
 * run secrets. It keeps its historical name `vault.key`.
 */
export const dataKeyFile = (dataDir: string): string => join(dataDir, 'vault.key');

/** AES-256-GCM for secret values at rest; the key lives in the data dir (mode 0600). Bound to the secret's identity. */
export class SecretCipher {
  private readonly key: Buffer;

  /** A key file (created with a new key when missing), or the 32 key bytes themselves. */
  constructor(keyFile: string | Buffer) {
    if (Buffer.isBuffer(keyFile)) {
      this.key = Buffer.from(keyFile);
    } else if (existsSync(keyFile)) {
      this.key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
      chmodSync(keyFile, 0o600);
    } else {
      mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
      this.key = randomBytes(32);
      writeFileSync(keyFile, `${this.key.toString('base64')}\n`, { mode: 0o600 });
    }
    if (this.key.length !== 32)
      throw new Error(`${Buffer.isBuffer(keyFile) ? 'the key' : `vault key ${keyFile}`} must hold 32 bytes`);
  }

  /** base64(iv | tag | ciphertext); `context` (vault/name/version) is authenticated, so rows cannot be swapped. */
  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(context));
    const body = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
  }

  decrypt(blob: string, context: string): string {
    const raw = Buffer.from(blob, 'base64');
    const d = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    d.setAAD(Buffer.from(context));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  }

  /** A JSON value sealed for a text column: `enc:v1:<base64>`. */
  seal(value: unknown, context: string): string {
    return `${SEALED_PREFIX}${this.encrypt(JSON.stringify(value), context)}`;
  }

  /** The value of a column written by {@link seal}, or of a plaintext JSON row written before sealing existed. */
  open<T>(column: string, context: string): T {
    return JSON.parse(isSealed(column) ? this.decrypt(column.slice(SEALED_PREFIX.length), context) : column) as T;
  }
}

export const isSealed = (column: string): boolean => column.startsWith(SEALED_PREFIX);
