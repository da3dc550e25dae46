import { createPrivateKey, createPublicKey, generateKeyPairSync, createHash, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { takeSigningKey } from './key-prewarm.js';
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

/** Where the ring lives: one shared, sealed value (cluster SharedKeys), compare-and-set on change. */
export interface KeyRingStore {
  ensure(name: string, make: () => string | Promise<string>, legacy?: () => string | undefined): Promise<string>;
  get(name: string): Promise<string | undefined>;
  replace(name: string, expected: string, next: string): Promise<boolean>;
}

const RING = 'identity.signing-keys';
/** How often a node re-reads the ring (a rotation or retirement on another node shows up within this). */
export const RING_REFRESH_MS = 30_000;

/**
 * The tenant's RS256 signing keys, kept in the shared database (sealed with the master key) so every API node signs
 * and verifies with the same ring; an install that had `<dataDir>/signing-keys.json` imports it once. Rotation makes a
 * new active key; older keys keep verifying (and stay in the JWKS) until retired.
 */
export class SigningKeyRing {
  private keys: SigningKey[] = [];
  private raw = '';
  private timer: NodeJS.Timeout | undefined;

  private constructor(private readonly store: KeyRingStore) {}

  static async open(store: KeyRingStore, legacyFile?: string): Promise<SigningKeyRing> {
    const ring = new SigningKeyRing(store);
    // The first key of a fresh install comes from the thread pool (started early by `serve`, see key-prewarm.ts).
    const raw = await store.ensure(
      RING,
      async () => JSON.stringify([storedOf(await takeSigningKey())]),
      () => (legacyFile && existsSync(legacyFile) ? readFileSync(legacyFile, 'utf8') : undefined),
    );
    ring.apply(raw);
    if (!ring.keys.some((k) => k.status === 'active')) await ring.rotate();
    ring.timer = setInterval(() => void ring.refresh().catch(() => undefined), RING_REFRESH_MS);
    ring.timer.unref();
    return ring;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Re-reads the shared ring (another node may have rotated or retired a key). */
  async refresh(): Promise<void> {
    const raw = await this.store.get(RING);
    if (raw !== undefined && raw !== this.raw) this.apply(raw);
  }

  private apply(raw: string): void {
    this.keys = (JSON.parse(raw) as StoredKey[]).map(load);
    this.raw = raw;
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
  async rotate(): Promise<string> {
    let kid = '';
    await this.change((stored) => {
      const next = newStored();
      kid = load(next).kid;
      return [...stored.map((k) => ({ ...k, status: 'previous' as const })), { ...next, kid }];
    });
    return kid;
  }

  /** Stops a previous key from verifying (tokens it signed are rejected from now on). */
  async retire(kid: string): Promise<boolean> {
    let done = false;
    await this.change((stored) => {
      const k = stored.find((x) => x.kid === kid);
      done = Boolean(k && k.status !== 'active');
      return done ? stored.filter((x) => x !== k) : null;
    });
    return done;
  }

  /** Read-modify-write of the shared ring with compare-and-set (retried when another node changed it meanwhile). */
  private async change(edit: (stored: StoredKey[]) => StoredKey[] | null): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      await this.refresh();
      const stored = this.keys.map(toStored);
      const next = edit(stored);
      if (!next) return;
      const raw = JSON.stringify(next, null, 2);
      if (await this.store.replace(RING, this.raw, raw)) {
        this.apply(raw);
        return;
      }
    }
    throw new Error('the signing key ring kept changing; try again');
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
}

function newStored(): StoredKey {
  return storedOf(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
}

function storedOf(privateKey: KeyObject): StoredKey {
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return { kid: '', privatePem: pem, createdAt: new Date().toISOString(), status: 'active' };
}

const toStored = (k: SigningKey): StoredKey => ({
  kid: k.kid,
  privatePem: k.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  createdAt: k.createdAt,
  status: k.status,
});

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
