import type { RunClient } from './agent-client.js';

const MAX_CHUNK = 512 * 1024;

/**
 * Sends a run's (already masked) log to the server in order: chunks written meanwhile are batched and posted one
 * request at a time, at most every `intervalMs`; `drain()` waits until everything written has been posted.
 */
export class LogUploader {
  private buffer = '';
  private sending: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  failures = 0;

  constructor(
    private readonly client: RunClient,
    private readonly intervalMs = 200,
  ) {}

  push(text: string): void {
    this.buffer += text;
    if (this.buffer.length >= MAX_CHUNK) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.intervalMs);
  }

  private flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.sending ??= (async () => {
      while (this.buffer) {
        const chunk = this.buffer.slice(0, MAX_CHUNK);
        this.buffer = this.buffer.slice(chunk.length);
        for (let attempt = 0; ; attempt++) {
          try {
            await this.client.log(chunk);
            break;
          } catch {
            this.failures++;
            if (attempt >= 3) break; // the lease is gone or the server unreachable: the run ends anyway
            await new Promise((r) => setTimeout(r, 250 * (attempt + 1)));
          }
        }
      }
    })().finally(() => (this.sending = null));
    return this.sending;
  }

  async drain(): Promise<void> {
    while (this.buffer || this.sending) await (this.sending ?? this.flush());
  }
}
