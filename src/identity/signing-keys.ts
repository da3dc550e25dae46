import { createPrivateKey, createPublicKey, generateKeyPairSync, createHash, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { publicJwk } from './jwt.js';

interface StoredKey {
  kid: string;
  privatePem: string;
  createdAt: string;
  /** active: signs new tokens; previous: still verifies until retired. */
  status: 'active' | 'previous';
}

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  createdAt: string;
  status: 'active' | 'previous';
}

/**
 * The tenant's RS256 signing keys, persisted (mode 0600) in the data dir. Rotation makes a new active key; older keys
 * keep verifying (and stay in the JWKS) until retired.
 */
export class SigningKeyRing {
  private keys: SigningKey[] = [];

  constructor(private readonly file: string) {
    if (existsSync(file)) {
      const stored = JSON.parse(readFileSync(file, 'utf8')) as StoredKey[];
      this.keys = stored.map(load);
    }
    if (!this.keys.some((k) => k.status === 'active')) this.rotate();
  }

  get active(): SigningKey {
    return this.keys.find((k) => k.status === 'active')!;
  }

  /** Public key for a kid, if it still verifies. */
  verificationKey(kid: string): KeyObject | undefined {
    return this.keys.find((k) => k.kid === kid)?.publicKey;
  }

  list(): Array<{ kid: string; status: string; createdAt: string }> {
    return this.keys.map((k) => ({ kid: k.kid, status: k.status, createdAt: k.createdAt }));
  }

  /** Creates a new active key; the old one keeps verifying. Returns the new kid. */
  rotate(): string {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    for (const k of this.keys) k.status = 'previous';
    const key = load({ kid: '', privatePem: pem, createdAt: new Date().toISOString(), status: 'active' });
    this.keys.push(key);
    this.save();
    return key.kid;
  }

  /** Stops a previous key from verifying (tokens it signed are rejected from now on). */
  retire(kid: string): boolean {
    const k = this.keys.find((x) => x.kid === kid);
    if (!k || k.status === 'active') return false;
    this.keys = this.keys.filter((x) => x !== k);
    this.save();
    return true;
  }

  jwks(): { keys: Array<Record<string, unknown>> } {
    return {
      keys: this.keys.map((k) => ({
        kty: 'RSA',
        use: 'sig',
        alg: 'RS256',
        kid: k.kid,
        x5t: k.kid,
        ...pick(publicJwk(k.publicKey), ['n', 'e']),
      })),
    };
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    const stored: StoredKey[] = this.keys.map((k) => ({
      kid: k.kid,
      privatePem: k.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      createdAt: k.createdAt,
      status: k.status,
    }));
    writeFileSync(tmp, JSON.stringify(stored, null, 2), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

function load(s: StoredKey): SigningKey {
  const privateKey = createPrivateKey(s.privatePem);
  const publicKey = createPublicKey(privateKey);
  // kid = base64url SHA-256 thumbprint of the public key (stable across restarts)
  const kid =
    s.kid ||
    createHash('sha256')
      .update(publicKey.export({ format: 'der', type: 'spki' }))
      .digest('base64url')
      .slice(0, 27);
  return { kid, privateKey, publicKey, createdAt: s.createdAt, status: s.status };
}

const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));
