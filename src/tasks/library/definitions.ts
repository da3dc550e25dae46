import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ImageConfigInput } from './image-archive.js';
import { LayerBuilder } from './layer-builder.js';
import { addCliBundle } from './cli-bundle.js';

const execFileAsync = promisify(execFile);

export type LibraryImageName = 'busybox' | 'hello-world' | 'bash' | 'docker' | 'dockyard/cli';
export const LIBRARY_IMAGES: LibraryImageName[] = ['busybox', 'hello-world', 'bash', 'docker', 'dockyard/cli'];

export interface LibrarySources {
  busybox: string;
  bash: string;
  docker: string;
  /** git, for `docker build <git URL>` in steps (the docker CLI clones remote contexts itself). */
  git: string;
  node: string;
  /** Checkout whose bin/, src/, package.json and production node_modules make up dockyard/cli. */
  projectRoot: string;
}

export const DEFAULT_SOURCES: Omit<LibrarySources, 'projectRoot'> = {
  busybox: '/bin/busybox',
  bash: '/bin/bash-static',
  docker: '/usr/bin/docker',
  git: '/usr/bin/git',
  node: process.execPath,
};

export interface LibraryImageSpec {
  name: LibraryImageName;
  tag: string;
  layer: LayerBuilder;
  config: ImageConfigInput;
}

const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const HELLO_MESSAGE = `
Hello from Docker!
This message shows that your installation appears to be working correctly.

This image was made by Dockyard's offline library from Debian's busybox-static,
so that tasks run without pulling anything from the internet.
`;

/** Adds /bin/busybox, one /bin/<applet> symlink per applet, and a minimal /etc, /tmp, /root. */
async function baseRootfs(l: LayerBuilder, busybox: string): Promise<void> {
  await l.file('bin/busybox', busybox, 0o755);
  const { stdout } = await execFileAsync(busybox, ['--list']);
  for (const applet of stdout
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean)
    .sort()) {
    if (applet !== 'busybox' && !applet.includes('/')) l.symlink(`bin/${applet}`, 'busybox');
  }
  l.symlink('usr/bin/env', '/bin/env');
  l.buffer('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  l.buffer('etc/group', 'root:x:0:\nnogroup:x:65534:\n');
  l.dir('tmp', 0o1777).dir('root', 0o700).dir('var/run').dir('usr/local/bin');
}

const DOCKER_ENTRYPOINT = `#!/bin/sh
# Like the docker-library image: run docker when the first argument is an option or a docker command.
set -e
if [ "\${1#-}" != "$1" ]; then set -- docker "$@"; fi
if [ "$#" -gt 0 ] && docker help "$1" > /dev/null 2>&1; then set -- docker "$@"; fi
exec "$@"
`;

/** Builds the layer inputs and config of one library image (nothing is written yet). */
export async function defineImage(name: LibraryImageName, src: LibrarySources): Promise<LibraryImageSpec> {
  const l = new LayerBuilder();
  const createdBy = `dockyard offline library: ${name}`;
  switch (name) {
    case 'busybox':
      await baseRootfs(l, src.busybox);
      return { name, tag: 'latest', layer: l, config: { env: [PATH_ENV], cmd: ['sh'], createdBy } };
    case 'hello-world':
      await baseRootfs(l, src.busybox);
      l.buffer('hello.txt', HELLO_MESSAGE);
      return { name, tag: 'latest', layer: l, config: { env: [PATH_ENV], cmd: ['/bin/cat', '/hello.txt'], createdBy } };
    case 'bash':
      await baseRootfs(l, src.busybox);
      await l.file('usr/local/bin/bash', src.bash, 0o755);
      l.symlink('bin/bash', '/usr/local/bin/bash');
      return { name, tag: 'latest', layer: l, config: { env: [PATH_ENV], entrypoint: ['bash'], cmd: [], createdBy } };
    case 'docker':
      await baseRootfs(l, src.busybox);
      await l.binaryWithLibs('usr/local/bin/docker', src.docker);
      await l.binaryWithLibs('usr/bin/git', src.git);
      l.symlink('usr/lib/git-core/git', '/usr/bin/git');
      // `docker build <git URL>` runs `git submodule update`, a shell script with its helpers.
      for (const script of ['git-submodule', 'git-sh-setup', 'git-sh-i18n'])
        await l.file(`usr/lib/git-core/${script}`, `/usr/lib/git-core/${script}`, 0o755);
      await l.binaryWithLibs('usr/lib/git-core/git-sh-i18n--envsubst', '/usr/lib/git-core/git-sh-i18n--envsubst');
      l.symlink('usr/lib/git-core/git-submodule--helper', '/usr/bin/git');
      l.buffer('usr/local/bin/docker-entrypoint.sh', DOCKER_ENTRYPOINT, 0o755);
      return {
        name,
        tag: 'latest',
        layer: l,
        config: { env: [PATH_ENV], entrypoint: ['docker-entrypoint.sh'], cmd: ['sh'], createdBy },
      };
    case 'dockyard/cli':
      await baseRootfs(l, src.busybox);
      await l.binaryWithLibs('usr/local/bin/node', src.node);
      await addCliBundle(l, src.projectRoot, 'app');
      l.symlink('usr/local/bin/dockyard', '/app/bin/dockyard.js');
      return {
        name,
        tag: 'latest',
        layer: l,
        config: {
          env: [PATH_ENV, 'NODE_ENV=production', 'HOME=/root'],
          entrypoint: ['/usr/local/bin/node', '/app/bin/dockyard.js'],
          cmd: [],
          createdBy,
        },
      };
  }
}
