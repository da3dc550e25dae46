/** Parses a `cmd:` step string: optional leading `docker run` flags, the image, then its arguments (ACR §1.3). */
import { shellWords } from './shell-words.js';
import type { CmdArgs } from './types.js';

const RUN_VALUE_FLAGS = new Set([
  '-e',
  '--env',
  '--env-file',
  '-v',
  '--volume',
  '-p',
  '--publish',
  '--name',
  '-w',
  '--workdir',
  '--entrypoint',
  '-u',
  '--user',
  '--network',
  '--net',
  '--add-host',
  '-m',
  '--memory',
  '--cpus',
  '-l',
  '--label',
  '--mount',
  '--platform',
  '-h',
  '--hostname',
  '--dns',
  '--restart',
  '--runtime',
  '--shm-size',
  '--ulimit',
  '--device',
  '--cap-add',
  '--cap-drop',
  '--security-opt',
  '--tmpfs',
  '--ipc',
  '--pid',
  '--log-driver',
  '--log-opt',
  '--isolation',
  '--expose',
  '--link',
  '--stop-signal',
  '--stop-timeout',
  '--gpus',
  '--health-cmd',
  '--pull',
  '--volumes-from',
  '--group-add',
  '--memory-swap',
  '--cpu-shares',
  '-c',
  '--cpuset-cpus',
]);

export function parseCmdArgs(raw: string): CmdArgs {
  const words = shellWords(raw);
  const runFlags: string[] = [];
  let i = 0;
  for (; i < words.length && words[i].startsWith('-'); i++) {
    const w = words[i];
    runFlags.push(w);
    if (!w.includes('=') && RUN_VALUE_FLAGS.has(w)) {
      if (i + 1 >= words.length) throw new Error(`flag needs an argument: ${w}`);
      runFlags.push(words[++i]);
    }
  }
  if (i >= words.length) throw new Error('cmd is missing an image');
  return { raw, runFlags, image: words[i], args: words.slice(i + 1) };
}

/** Adds `:latest` to an image reference without tag or digest. */
export function withDefaultTag(image: string): string {
  if (image.includes('@')) return image;
  const last = image.slice(image.lastIndexOf('/') + 1);
  return last.includes(':') ? image : `${image}:latest`;
}

/** Push list normalisation: `:latest` added, duplicates dropped (order kept). */
export function normalisePush(images: string[]): string[] {
  return [...new Set(images.map((i) => withDefaultTag(i.trim())))];
}
