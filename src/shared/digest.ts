import { createHash } from 'node:crypto';

const DIGEST_RE = /^(sha256):([a-f0-9]{64})$|^(sha512):([a-f0-9]{128})$/;

export interface ParsedDigest {
  algorithm: 'sha256' | 'sha512';
  hex: string;
}

export function parseDigest(digest: string): ParsedDigest | null {
  const m = DIGEST_RE.exec(digest);
  if (!m) return null;
  return m[1] ? { algorithm: 'sha256', hex: m[2] } : { algorithm: 'sha512', hex: m[4] };
}

export const isDigest = (s: string): boolean => parseDigest(s) !== null;

export const sha256Digest = (data: Uint8Array | string): string =>
  `sha256:${createHash('sha256').update(data).digest('hex')}`;
