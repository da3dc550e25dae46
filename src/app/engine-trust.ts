import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where Docker Engine (and therefore Dockyard's private dockerd) looks for a registry's CA, per login server. */
export const DOCKER_CERTS_DIR = '/etc/docker/certs.d';

/**
 * Makes the private dockerd trust the local CA for each login server by name: Docker reads
 * `/etc/docker/certs.d/<host:port>/ca.crt` on every connection, so no daemon restart is needed. Only directories this
 * data dir wrote (marked by a `.dockyard` file naming it) are ever removed.
 */
export async function syncDockerTrust(
  ca: string,
  loginServers: string[],
  previous: string[],
  owner: string,
  dir = DOCKER_CERTS_DIR,
): Promise<void> {
  for (const ls of loginServers) {
    const d = join(dir, ls);
    await mkdir(d, { recursive: true });
    await writeFile(join(d, 'ca.crt'), ca, { mode: 0o644 });
    await writeFile(join(d, '.dockyard'), `${owner}\n`, { mode: 0o644 });
  }
  for (const ls of previous.filter((p) => !loginServers.includes(p)))
    await rm(join(dir, ls), { recursive: true, force: true });
}
