import { createHash } from 'node:crypto';
import { newSecret } from '../shared/index.js';
import type { TrustedService } from './token-service.js';

export interface WorkloadBindingInput {
  /** Object ids of the managed identities the workload may use. */
  identities: string[];
  /** Used when a request names no identity (else the only identity, if there is one). */
  defaultIdentity?: string;
  /** Tokens minted for this workload carry the trusted-service claim. */
  trustedService?: TrustedService;
  expiresAt: Date;
  /** Checked on every token request: false while the workload is not running (e.g. its run finished or was canceled). */
  isActive?: () => boolean;
}

export interface WorkloadBinding extends WorkloadBindingInput {
  id: string;
}

const keyOf = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/**
 * Which identities a workload (a task run, a step container) may get tokens for. The workload proves itself with an
 * unguessable secret; only its SHA-256 is kept (in memory: bindings live as long as the runs that use them).
 */
export class WorkloadBindings {
  private readonly byKey = new Map<string, WorkloadBinding>();

  create(input: WorkloadBindingInput): { secret: string; id: string } {
    this.sweep();
    const secret = newSecret();
    const id = keyOf(secret).slice(0, 16);
    this.byKey.set(keyOf(secret), {
      ...input,
      identities: input.identities.map((i) => i.toLowerCase()),
      ...(input.defaultIdentity ? { defaultIdentity: input.defaultIdentity.toLowerCase() } : {}),
      id,
    });
    return { secret, id };
  }

  revoke(secret: string): boolean {
    return this.byKey.delete(keyOf(secret));
  }

  /** The live binding for a secret (lookup by hash: no secret comparison on the hot path), else null. */
  resolve(secret: string | undefined): WorkloadBinding | null {
    if (!secret) return null;
    const b = this.byKey.get(keyOf(secret));
    if (!b) return null;
    if (b.expiresAt.getTime() <= Date.now()) {
      this.byKey.delete(keyOf(secret));
      return null;
    }
    if (b.isActive && !b.isActive()) return null;
    return b;
  }

  /** Forgets a principal everywhere (its identity was deleted). */
  dropPrincipal(objectId: string): void {
    const id = objectId.toLowerCase();
    for (const b of this.byKey.values()) {
      b.identities = b.identities.filter((i) => i !== id);
      if (b.defaultIdentity === id) delete b.defaultIdentity;
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const [k, b] of this.byKey) if (b.expiresAt.getTime() <= now) this.byKey.delete(k);
  }
}
