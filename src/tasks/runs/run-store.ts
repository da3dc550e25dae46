import type { Kysely } from 'kysely';
import type { SqlDatabase } from '../../storage/index.js';
import { isSealed, knownSecrets, maskDeep, newSecret, SecretSet, type SecretCipher } from '../../shared/index.js';
import type { TaskTables } from '../resources/tables.js';
import { nextRunId } from './run-ids.js';
import { TERMINAL, type RunRecord, type RunRequest, type RunResult, type RunStatus, type RunType } from './model.js';

type RunRow = TaskTables['runs'];

/** Authenticated context of a run's sealed secure values: a row's ciphertext cannot be moved to another run. */
const secureContext = (registryName: string, runId: string): string =>
  `runs/${registryName.toLowerCase()}/${runId}/secure`;

/**
 * Runs as rows. A run's secret values (`request.secureValues`) live sealed in their own column; results are masked
 * with the run's secrets (and every secret the process knows) before they are written.
 */
export class RunStore {
  private readonly db: Kysely<TaskTables>;
  constructor(
    db: SqlDatabase,
    private readonly cipher: SecretCipher,
  ) {
    this.db = db as Kysely<TaskTables>;
  }

  /** The same store on another connection (a trigger's transaction). */
  withDb(db: SqlDatabase): RunStore {
    return new RunStore(db, this.cipher);
  }

  async create(request: RunRequest, runType: RunType, timeout: number): Promise<RunRecord> {
    const { runId, seq } = await nextRunId(this.db, request.registryName);
    const now = new Date().toISOString();
    const row: RunRow = {
      registry_name: request.registryName.toLowerCase(),
      run_id: runId,
      seq,
      task_name: request.taskName,
      status: 'Queued',
      run_type: runType,
      create_time: now,
      start_time: null,
      finish_time: null,
      last_updated_time: now,
      request: JSON.stringify({ ...request, secureValues: {} }),
      result: '{}',
      log_token: newSecret(24),
      timeout,
      secure: this.cipher.seal(request.secureValues, secureContext(request.registryName, runId)),
      agent_pool: request.agentPoolName ? request.agentPoolName.toLowerCase() : null,
      claimed_by: null,
      lease_until: null,
      lease_hash: null,
    };
    await this.db.insertInto('runs').values(row).execute();
    return this.toRecord(row);
  }

  async get(registryName: string, runId: string): Promise<RunRecord | null> {
    const r = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('registry_name', '=', registryName.toLowerCase())
      .where('run_id', '=', runId)
      .executeTakeFirst();
    return r ? this.toRecord(r) : null;
  }

  async byLogToken(token: string): Promise<RunRecord | null> {
    const r = await this.db.selectFrom('runs').selectAll().where('log_token', '=', token).executeTakeFirst();
    return r ? this.toRecord(r) : null;
  }

  /** Newest first; `beforeSeq` continues a previous page (keyset on the `runs_registry_seq` index). */
  async list(
    registryName: string,
    filter: { taskName?: string; status?: string; top?: number; beforeSeq?: number } = {},
  ): Promise<RunRecord[]> {
    let q = this.db.selectFrom('runs').selectAll().where('registry_name', '=', registryName.toLowerCase());
    if (filter.taskName) q = q.where('task_name', '=', filter.taskName);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.beforeSeq !== undefined) q = q.where('seq', '<', filter.beforeSeq);
    const rows = await q
      .orderBy('seq', 'desc')
      .limit(filter.top ?? 1000)
      .execute();
    return rows.map((r) => this.toRecord(r));
  }

  /** How many runs are in each non-terminal status (`Queued`, `Started`, `Running`), for metrics. */
  async countActive(): Promise<Record<'Queued' | 'Started' | 'Running', number>> {
    const rows = await this.db
      .selectFrom('runs')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('status', 'in', ['Queued', 'Started', 'Running'])
      .groupBy('status')
      .execute();
    const out = { Queued: 0, Started: 0, Running: 0 };
    for (const r of rows) out[r.status as keyof typeof out] = Number(r.n);
    return out;
  }

  /**
   * Atomically moves the oldest queued pool-less run to Started (the server's own workers); returns it, or null when
   * none is queued. Runs for an agent pool are leased by its agents (`claimForPool`).
   */
  async claimNext(): Promise<RunRecord | null> {
    for (;;) {
      const next = await this.db
        .selectFrom('runs')
        .selectAll()
        .where('status', '=', 'Queued')
        .where('agent_pool', 'is', null)
        .orderBy('create_time')
        .orderBy('seq')
        .limit(1)
        .executeTakeFirst();
      if (!next) return null;
      const now = new Date().toISOString();
      const res = await this.db
        .updateTable('runs')
        .set({ status: 'Started', start_time: now, last_updated_time: now })
        .where('registry_name', '=', next.registry_name)
        .where('run_id', '=', next.run_id)
        .where('status', '=', 'Queued')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1)
        return this.toRecord({ ...next, status: 'Started', start_time: now, last_updated_time: now });
    }
  }

  async setStatus(run: RunRecord, status: RunStatus, result?: RunResult): Promise<void> {
    const now = new Date().toISOString();
    const terminal = TERMINAL.includes(status);
    const masked = result
      ? maskDeep(result, new SecretSet().addAll(Object.values(run.request.secureValues)), knownSecrets)
      : undefined;
    await this.db
      .updateTable('runs')
      .set({
        status,
        last_updated_time: now,
        ...(terminal ? { finish_time: now } : {}),
        ...(masked ? { result: JSON.stringify(masked) } : {}),
      })
      .where('registry_name', '=', run.registryName.toLowerCase())
      .where('run_id', '=', run.runId)
      .execute();
  }

  /** After a crash: runs that were in flight did not finish; they are Failed with a reason, never left Running. */
  async failInterrupted(reason: string): Promise<RunRecord[]> {
    // Agent runs are not this process's: their agents keep running them, and a lost agent's lease expires (reaper).
    const rows = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('status', 'in', ['Started', 'Running'])
      .where('agent_pool', 'is', null)
      .execute();
    const now = new Date().toISOString();
    for (const r of rows) {
      await this.db
        .updateTable('runs')
        .set({
          status: 'Failed',
          finish_time: now,
          last_updated_time: now,
          result: JSON.stringify({ ...JSON.parse(r.result), runErrorMessage: reason }),
        })
        .where('registry_name', '=', r.registry_name)
        .where('run_id', '=', r.run_id)
        .execute();
    }
    return rows.map((r) => this.toRecord(r));
  }

  /**
   * Rows written before secure values were sealed: moves `request.secureValues` into the sealed column and masks them
   * out of the stored result. Returns how many rows changed (the caller then compacts the file).
   */
  async sealLegacyRows(): Promise<number> {
    const rows = await this.db.selectFrom('runs').selectAll().where('secure', 'not like', 'enc:%').execute();
    for (const r of rows) {
      const request = JSON.parse(r.request) as RunRequest;
      const legacy = { ...(JSON.parse(r.secure) as Record<string, string>), ...(request.secureValues ?? {}) };
      const set = new SecretSet().addAll(Object.values(legacy));
      await this.db
        .updateTable('runs')
        .set({
          request: JSON.stringify({ ...request, secureValues: {} }),
          secure: this.cipher.seal(legacy, secureContext(r.registry_name, r.run_id)),
          result: JSON.stringify(maskDeep(JSON.parse(r.result) as RunResult, set)),
        })
        .where('registry_name', '=', r.registry_name)
        .where('run_id', '=', r.run_id)
        .execute();
    }
    return rows.length;
  }

  async deleteForRegistry(registryName: string): Promise<void> {
    await this.db.deleteFrom('runs').where('registry_name', '=', registryName.toLowerCase()).execute();
    await this.db.deleteFrom('run_counters').where('registry_name', '=', registryName.toLowerCase()).execute();
    await this.db.deleteFrom('run_log_chunks').where('registry_name', '=', registryName.toLowerCase()).execute();
  }

  /** A row as a record (the lease store reads rows itself). */
  recordOf(r: RunRow): RunRecord {
    return this.toRecord(r);
  }

  /** The underlying database (the lease store shares it). */
  get database(): Kysely<TaskTables> {
    return this.db;
  }

  private toRecord(r: RunRow): RunRecord {
    const request = JSON.parse(r.request) as RunRequest;
    // A row not sealed yet (written by an older version) still has its values in `request`.
    const secure = isSealed(r.secure)
      ? this.cipher.open<Record<string, string>>(r.secure, secureContext(r.registry_name, r.run_id))
      : (request.secureValues ?? {});
    knownSecrets.addAll(Object.values(secure));
    return rowToRecord(r, { ...request, secureValues: secure });
  }
}

function rowToRecord(r: RunRow, request: RunRequest): RunRecord {
  return {
    registryName: r.registry_name,
    runId: r.run_id,
    seq: r.seq,
    taskName: r.task_name,
    status: r.status as RunStatus,
    runType: r.run_type as RunType,
    createTime: r.create_time,
    startTime: r.start_time,
    finishTime: r.finish_time,
    lastUpdatedTime: r.last_updated_time,
    request,
    result: JSON.parse(r.result) as RunResult,
    logToken: r.log_token,
    timeout: r.timeout,
    agentPool: r.agent_pool ?? null,
    claimedBy: r.claimed_by ?? null,
  };
}
