import type { OnOutput } from './container-engine.js';

/** One message of the Engine API's JSON progress stream (build, push, pull, load). */
export interface JsonMessage {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: Record<string, unknown>;
}

/**
 * Renders messages like the docker CLI does when its output is not a terminal
 * (jsonmessage.Display with isTerminal=false): progress bars are dropped, `id: status` lines kept.
 */
export function renderJsonMessage(m: JsonMessage): string {
  if (m.error || m.errorDetail) return '';
  if (m.progress && m.progress !== '') return '';
  if (m.progressDetail && (m.progressDetail.current !== undefined || m.progressDetail.total !== undefined)) return '';
  let out = '';
  if (m.id) out += `${m.id}: `;
  if (m.stream !== undefined) return out + m.stream;
  if (m.status !== undefined) return `${out}${m.status}\n`;
  return '';
}

export class JsonMessageError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'JsonMessageError';
  }
}

/**
 * Consumes a JSON-lines progress stream, forwards rendered text to onOutput and collects `aux` payloads.
 * Rejects with JsonMessageError on the first error message (after the stream ends).
 */
export function consumeJsonStream(
  stream: NodeJS.ReadableStream,
  onOutput?: OnOutput,
): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const aux: Record<string, unknown>[] = [];
    let buf = '';
    let failure: JsonMessageError | undefined;
    const handleLine = (line: string): void => {
      if (!line.trim()) return;
      let m: JsonMessage;
      try {
        m = JSON.parse(line) as JsonMessage;
      } catch {
        onOutput?.(`${line}\n`, 'stdout');
        return;
      }
      if (m.aux) aux.push(m.aux);
      if ((m.error || m.errorDetail) && !failure) {
        failure = new JsonMessageError(m.errorDetail?.message ?? m.error ?? 'unknown error', m.errorDetail?.code);
        return;
      }
      const text = renderJsonMessage(m);
      if (text) onOutput?.(text, 'stdout');
    };
    stream.on('data', (chunk: Buffer | string) => {
      buf += chunk.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        handleLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    stream.on('end', () => {
      handleLine(buf);
      if (failure) reject(failure);
      else resolve(aux);
    });
    stream.on('error', (err: Error) => reject(failure ?? err));
  });
}

/** units.HumanSize as the docker CLI prints sizes ("4.096kB"). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < units.length - 1) {
    size /= 1000;
    i++;
  }
  return `${Number(size.toPrecision(4))}${units[i]}`;
}
