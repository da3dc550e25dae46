import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { SqlDatabase } from '../../storage/index.js';
import type { TaskTables } from '../resources/tables.js';

/**
 * Run logs in the database, as ordered chunks (masked before they are stored), so that every API node serves them and
 * live-follows them, whichever node ran the run or received an agent's chunk. One writer per run at a time (the node
 * running it, or its agent then the node that ends it), so `max(seq)+1` with the primary key as the guard is enough;
 * a collision retries.
 */
export class RunLogChunks {
  private readonly db: Kysely<TaskTables>;
  constructor(db: SqlDatabase) {
    this.db = db as Kysely<TaskTables>;
  }

  async append(registryName: string, runId: string, text: string): Promise<void> {
    await this.appendMany(registryName, runId, [text]);
  }

  /** Appends `texts` as consecutive chunks (one statement). */
  async appendMany(registryName: string, runId: string, texts: string[]): Promise<void> {
    const parts = texts.filter(Boolean);
    if (!parts.length) return;
    const registry = registryName.toLowerCase();
    for (let attempt = 0; ; attempt++) {
      const r = await this.db
        .selectFrom('run_log_chunks')
        .select((eb) => eb.fn.max('seq').as('m'))
        .where('registry_name', '=', registry)
        .where('run_id', '=', runId)
        .executeTakeFirst();
      const first = Number(r?.m ?? 0) + 1;
      try {
        await this.db
          .insertInto('run_log_chunks')
          .values(parts.map((text, i) => ({ registry_name: registry, run_id: runId, seq: first + i, text })))
          .execute();
        return;
      } catch (err) {
        if (attempt >= 5) throw err;
      }
    }
  }

  async after(registryName: string, runId: string, seq: number): Promise<Array<{ seq: number; text: string }>> {
    return this.db
      .selectFrom('run_log_chunks')
      .select(['seq', 'text'])
      .where('registry_name', '=', registryName.toLowerCase())
      .where('run_id', '=', runId)
      .where('seq', '>', seq)
      .orderBy('seq')
      .limit(500)
      .execute();
  }

  /** The whole log so far (undefined when no chunk was stored yet). */
  async text(registryName: string, runId: string): Promise<Buffer | undefined> {
    const parts: string[] = [];
    for (let seq = 0; ; ) {
      const rows = await this.after(registryName, runId, seq);
      for (const r of rows) parts.push(r.text);
      if (rows.length < 500) break;
      seq = rows[rows.length - 1].seq;
    }
    return parts.length ? Buffer.from(parts.join('')) : undefined;
  }

  async deleteForRegistry(registryName: string): Promise<void> {
    await this.db.deleteFrom('run_log_chunks').where('registry_name', '=', registryName.toLowerCase()).execute();
  }

  /**
   * The log so far and, when `follow`, what is appended until the run ends (polled every `pollMs`). After the run
   * ended, waits briefly for its final `Run ID: …` line (written right after the status by the node that ended it).
   */
  stream(
    registryName: string,
    runId: string,
    follow: boolean,
    isFinished: () => Promise<boolean>,
    pollMs = 250,
  ): Readable {
    const after = (n: number) => this.after(registryName, runId, n);
    return Readable.from(
      (async function* () {
        let seq = 0;
        let finishedAt = 0;
        let sawFinal = false;
        for (;;) {
          const rows = await after(seq);
          for (const r of rows) {
            seq = r.seq;
            if (r.text.includes(`Run ID: ${runId} `)) sawFinal = true;
            yield Buffer.from(r.text);
          }
          if (rows.length === 500) continue;
          if (!follow) return;
          if (!finishedAt && (await isFinished())) finishedAt = Date.now();
          if (finishedAt && (sawFinal || Date.now() - finishedAt > 3000)) return;
          await new Promise((r) => setTimeout(r, pollMs));
        }
      })(),
    );
  }
}
