import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';

/**
 * `--manage-hosts`: keeps one block of `/etc/hosts` lines for Dockyard's host names (registries, vaults, the blob
 * host) so login servers by name resolve on a machine without DNS. Every line Dockyard writes ends with
 * `# dockyard:<tag>` (the tag names the data dir); no other line is ever touched. Written in place, not renamed:
 * /etc/hosts is often a bind mount.
 */
export function hostsTag(dataDir: string): string {
  return createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
}

export function renderHosts(current: string, tag: string, names: string[], address = '127.0.0.1'): string {
  const mark = `# dockyard:${tag}`;
  const kept = current.split('\n').filter((l) => !l.trimEnd().endsWith(mark));
  while (kept.length && kept[kept.length - 1] === '') kept.pop();
  const wanted = [...new Set(names.map((n) => n.toLowerCase()))].sort();
  return [...kept, ...wanted.map((n) => `${address}\t${n}\t${mark}`), ''].join('\n');
}

/** Rewrites the file only when Dockyard's block changes. */
export async function syncHostsFile(
  file: string,
  tag: string,
  names: string[],
  address = '127.0.0.1',
): Promise<boolean> {
  const current = await readFile(file, 'utf8').catch(() => '');
  const next = renderHosts(current, tag, names, address);
  if (next === current) return false;
  await writeFile(file, next);
  return true;
}
