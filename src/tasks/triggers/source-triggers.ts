import type { Kysely } from 'kysely';
import { newGuid } from '../../shared/index.js';
import type { SourceTrigger, Task } from '../resources/model.js';
import type { RunTrigger } from '../runs/model.js';
import { fireOnce, taskEnabled, type TriggerDeps, type TriggerTx } from './fire.js';
import { listRemoteRefs, refPattern } from './git-remote.js';
import type { TriggerTables } from './tables.js';

export interface SourceTriggerOptions {
  /** Refs that count as pull requests (`refs/pull/*\/head`); the `*` is the pull-request id. */
  pullRequestRefPattern: string;
  /** Lists a repository's refs; `git ls-remote` unless a test gives another. */
  listRefs?: (url: string) => Promise<Map<string, string>>;
}

interface Watched {
  task: Task;
  trigger: SourceTrigger;
  url: string;
  branch: string;
  watch: string;
}

/**
 * Commit and pull-request triggers by polling the repository's refs. The first poll of a trigger records what exists
 * (a baseline, no run); afterwards each new head of the branch fires one commit run, and each new or moved
 * pull-request ref fires one pull-request run.
 */
export class SourceTriggers {
  private readonly db: Kysely<TriggerTables>;
  private readonly listRefs: (url: string) => Promise<Map<string, string>>;
  private readonly prPattern: RegExp;

  constructor(
    private readonly deps: TriggerDeps,
    private readonly options: SourceTriggerOptions,
  ) {
    this.db = deps.db as Kysely<TriggerTables>;
    this.listRefs = options.listRefs ?? ((url) => listRemoteRefs(url));
    this.prPattern = refPattern(options.pullRequestRefPattern);
  }

  /** One pass over every enabled source trigger; returns the number of runs queued. */
  async pollOnce(): Promise<number> {
    const tasks = await this.deps.tasks.all();
    await this.forgetGone(tasks);
    let fired = 0;
    for (const task of tasks) {
      if (!taskEnabled(task)) continue;
      for (const w of this.watchesOf(task)) {
        try {
          fired += await this.pollTrigger(w);
        } catch (err) {
          this.deps.log.warn(
            { task: task.name, registry: task.registryName, url: w.url, err: (err as Error).message },
            'source trigger poll failed',
          );
        }
      }
    }
    return fired;
  }

  /**
   * Records the heads a task's source triggers see now, when the task is saved: ACR's webhook exists from creation,
   * so a commit pushed before the next poll must fire a run (the next poll compares against this baseline).
   * Nothing fires here; a trigger whose watch is unchanged keeps its baseline.
   */
  async baseline(task: Task): Promise<void> {
    for (const w of this.watchesOf(task)) {
      try {
        await this.pollTrigger(w, { baselineOnly: true });
      } catch (err) {
        this.deps.log.warn(
          { task: task.name, registry: task.registryName, url: w.url, err: (err as Error).message },
          'source trigger baseline failed',
        );
      }
    }
  }

  private watchesOf(task: Task): Watched[] {
    const out: Watched[] = [];
    for (const trigger of task.properties.trigger?.sourceTriggers ?? []) {
      if (trigger.status !== 'Enabled' || !trigger.sourceTriggerEvents?.length) continue;
      const url = trigger.sourceRepository?.repositoryUrl;
      if (!url) continue;
      const branch = trigger.sourceRepository.branch || 'master';
      const events = [...trigger.sourceTriggerEvents].sort().join(',');
      out.push({
        task,
        trigger,
        url,
        branch,
        watch: `${url}#${branch}|${events}|${this.options.pullRequestRefPattern}`,
      });
    }
    return out;
  }

  private wantedRefs(w: Watched, refs: Map<string, string>): Map<string, string> {
    const wanted = new Map<string, string>();
    const events = w.trigger.sourceTriggerEvents.map((e) => e.toLowerCase());
    if (events.includes('commit')) {
      const head = refs.get(`refs/heads/${w.branch}`);
      if (head) wanted.set(`refs/heads/${w.branch}`, head);
    }
    if (events.includes('pullrequest'))
      for (const [ref, sha] of refs) if (this.prPattern.test(ref)) wanted.set(ref, sha);
    return wanted;
  }

  private async pollTrigger(w: Watched, opts: { baselineOnly?: boolean } = {}): Promise<number> {
    const wanted = this.wantedRefs(w, await this.listRefs(w.url));
    const key = w.task.id.toLowerCase();
    const now = new Date().toISOString();
    const watchRow = await this.db
      .selectFrom('trigger_source_watch')
      .selectAll()
      .where('task_id_lower', '=', key)
      .where('trigger_name', '=', w.trigger.name)
      .executeTakeFirst();
    if (!watchRow || watchRow.watch !== w.watch) {
      // First sight (or the task now watches something else): remember what exists, fire nothing.
      await this.db.transaction().execute(async (trx) => {
        await trx
          .deleteFrom('trigger_source_refs')
          .where('task_id_lower', '=', key)
          .where('trigger_name', '=', w.trigger.name)
          .execute();
        for (const [ref, sha] of wanted)
          await trx
            .insertInto('trigger_source_refs')
            .values({ task_id_lower: key, trigger_name: w.trigger.name, ref, commit_id: sha, updated_at: now })
            .execute();
        await trx
          .insertInto('trigger_source_watch')
          .values({ task_id_lower: key, trigger_name: w.trigger.name, watch: w.watch, updated_at: now })
          .onConflict((oc) =>
            oc.columns(['task_id_lower', 'trigger_name']).doUpdateSet({ watch: w.watch, updated_at: now }),
          )
          .execute();
      });
      return 0;
    }
    if (opts.baselineOnly) return 0;
    const known = new Map(
      (
        await this.db
          .selectFrom('trigger_source_refs')
          .select(['ref', 'commit_id'])
          .where('task_id_lower', '=', key)
          .where('trigger_name', '=', w.trigger.name)
          .execute()
      ).map((r) => [r.ref, r.commit_id]),
    );
    let fired = 0;
    for (const [ref, sha] of wanted) {
      const before = known.get(ref);
      if (before === sha) continue;
      const claim = async (trx: TriggerTx) => {
        if (before === undefined) {
          const r = await trx
            .insertInto('trigger_source_refs')
            .values({ task_id_lower: key, trigger_name: w.trigger.name, ref, commit_id: sha, updated_at: now })
            .onConflict((oc) => oc.doNothing())
            .executeTakeFirst();
          return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
        }
        const r = await trx
          .updateTable('trigger_source_refs')
          .set({ commit_id: sha, updated_at: now })
          .where('task_id_lower', '=', key)
          .where('trigger_name', '=', w.trigger.name)
          .where('ref', '=', ref)
          .where('commit_id', '=', before)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) === 1;
      };
      if (await fireOnce(this.deps, w.task, this.runTrigger(w, ref, sha), claim)) fired++;
    }
    const gone = [...known.keys()].filter((ref) => !wanted.has(ref));
    if (gone.length)
      await this.db
        .deleteFrom('trigger_source_refs')
        .where('task_id_lower', '=', key)
        .where('trigger_name', '=', w.trigger.name)
        .where('ref', 'in', gone)
        .execute();
    return fired;
  }

  private runTrigger(w: Watched, ref: string, sha: string): RunTrigger {
    const pr = this.prPattern.exec(ref);
    if (ref === `refs/heads/${w.branch}` || !pr) {
      return {
        kind: 'Commit',
        gitRef: ref,
        sourceTrigger: {
          id: newGuid(),
          eventType: 'commit',
          commitId: sha,
          pullRequestId: null,
          repositoryUrl: w.url,
          branchName: w.branch,
          providerType: 'Git',
        },
      };
    }
    return {
      kind: 'PullRequest',
      gitRef: ref,
      sourceTrigger: {
        id: newGuid(),
        eventType: 'pullrequest',
        commitId: sha,
        pullRequestId: pr[1] ?? ref,
        repositoryUrl: w.url,
        branchName: w.branch,
        providerType: 'Git',
      },
    };
  }

  /** Drops state of deleted tasks and removed or disabled triggers: re-enabling baselines again, it never fires for the past. */
  private async forgetGone(tasks: Task[]): Promise<void> {
    const active = (s: SourceTrigger) => s.status === 'Enabled' && s.sourceTriggerEvents?.length > 0;
    const live = new Set(
      tasks
        .filter(taskEnabled)
        .flatMap((t) =>
          (t.properties.trigger?.sourceTriggers ?? []).filter(active).map((s) => `${t.id.toLowerCase()}\n${s.name}`),
        ),
    );
    const rows = await this.db.selectFrom('trigger_source_watch').select(['task_id_lower', 'trigger_name']).execute();
    for (const r of rows) {
      if (live.has(`${r.task_id_lower}\n${r.trigger_name}`)) continue;
      await this.db
        .deleteFrom('trigger_source_watch')
        .where('task_id_lower', '=', r.task_id_lower)
        .where('trigger_name', '=', r.trigger_name)
        .execute();
      await this.db
        .deleteFrom('trigger_source_refs')
        .where('task_id_lower', '=', r.task_id_lower)
        .where('trigger_name', '=', r.trigger_name)
        .execute();
    }
  }
}
