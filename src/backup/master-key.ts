import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { DockyardError } from '../shared/index.js';

/** The master key file's 32 bytes (base64 text, as `dockyard serve` and `head -c 32 /dev/urandom | base64` write it). */
export function readMasterKey(file: string): Buffer {
  if (!existsSync(file)) throw new DockyardError('CliBackup', `the master key file ${file} does not exist`);
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new DockyardError('CliBackup', `${file} is not a master key (32 bytes, base64)`);
  return key;
}

/**
 * Names a master key without revealing it: the first 16 hex digits of a domain-separated SHA-256 of the 32 random
 * bytes. Recorded in a backup so a restore can tell the right key from another before it writes anything.
 */
export function keyFingerprint(key: Buffer): string {
  return createHash('sha256').update('dockyard master key fingerprint\0').update(key).digest('hex').slice(0, 16);
}
