import { useState } from 'preact/hooks';
import { arm, V } from '../api.js';
import { decodeBase64, formatTime, parseValues } from '../format.js';
import { navigate } from '../router.js';
import { Crumbs, ErrorBox, Fields, Json, Show, Status, Table, useLoad } from '../ui.js';
import { regLink, type RegistryCtx } from './registry.js';
import { Runs } from './runs.js';
import { TaskForm, taskFields } from './task-form.js';
import { RunCharts } from './activity-charts.js';

const SCHEDULE_RUN = 'Microsoft.ContainerRegistry/registries/scheduleRun/action';
const TASK_DELETE = 'Microsoft.ContainerRegistry/registries/tasks/delete';
const TASK_WRITE = 'Microsoft.ContainerRegistry/registries/tasks/write';

export function Tasks({ ctx }: { ctx: RegistryCtx }) {
  const load = useLoad(() => arm<{ value: any[] }>(`${ctx.registry.id}/tasks`, V.tasks), [ctx.registry.id]);
  return (
    <>
      {ctx.can[TASK_WRITE] ? (
        <TaskForm ctx={ctx} onDone={(name) => navigate('rg', ctx.rg, 'registries', ctx.name, 'tasks', name)} />
      ) : null}
      <Show load={load}>
        {(d) => (
          <Table
            testid="tasks"
            rows={d.value}
            empty="No tasks: create one with `dockyard acr task create`."
            columns={[
              ['Name', (t) => <a href={regLink(ctx, 'tasks', t.name)}>{t.name}</a>],
              ['Status', (t) => <Status value={t.status} />],
              ['Step', (t) => t.step?.type],
              ['Identity', (t) => t.identity?.type ?? 'None'],
              ['Created', (t) => formatTime(t.creationDate)],
            ]}
          />
        )}
      </Show>
      <h3>Monitoring</h3>
      <RunCharts ctx={ctx} />
    </>
  );
}

function RunButton({ ctx, task }: { ctx: RegistryCtx; task: any }) {
  const [values, setValues] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const v = parseValues(values);
      const r = await arm(`${ctx.registry.id}/scheduleRun`, V.tasks, {
        method: 'POST',
        body: {
          type: 'TaskRunRequest',
          taskId: task.id,
          ...(v.length ? { overrideTaskStepProperties: { values: v } } : {}),
        },
      });
      navigate('rg', ctx.rg, 'registries', ctx.name, 'runs', r.runId);
    } catch (err) {
      setError(err as Error);
      setBusy(false);
    }
  };
  return (
    <div class="run-box">
      <label>
        Values for this run (optional, <code>NAME=value</code> per line)
        <textarea rows={2} value={values} onInput={(e) => setValues((e.target as HTMLTextAreaElement).value)} />
      </label>
      <button class="primary" data-testid="run-task" onClick={run} disabled={busy || task.status === 'Disabled'}>
        {busy ? 'Queuing…' : '▶ Run'}
      </button>
      {error ? <ErrorBox error={error} /> : null}
    </div>
  );
}

function stepDefinition(step: any): string {
  if (!step) return '';
  if (step.type === 'EncodedTask') return decodeBase64(step.encodedTaskContent);
  return '';
}

export function Task({ ctx, task }: { ctx: RegistryCtx; task: string }) {
  const load = useLoad(() => arm(`${ctx.registry.id}/tasks/${task}`, V.tasks), [ctx.registry.id, task]);
  const [deleteError, setDeleteError] = useState<Error | null>(null);
  const del = async (t: any) => {
    if (!confirm(`Delete task ${t.name}?`)) return;
    try {
      await arm(`${ctx.registry.id}/tasks/${t.name}`, V.tasks, { method: 'DELETE' });
      navigate('rg', ctx.rg, 'registries', ctx.name, 'tasks');
    } catch (err) {
      setDeleteError(err as Error);
    }
  };
  return (
    <>
      <Crumbs
        items={[
          ['Tasks', regLink(ctx, 'tasks')],
          [task, null],
        ]}
      />
      <Show load={load}>
        {(t) => {
          const step = t.step ?? {};
          const inline = stepDefinition(step);
          const custom = Object.entries(
            (t.credentials?.customRegistries ?? {}) as Record<string, { identity?: string; userName?: string }>,
          );
          const trig = t.trigger ?? {};
          return (
            <section data-testid="task">
              <h3>
                {t.name} <Status value={t.status} />
              </h3>
              {ctx.can[SCHEDULE_RUN] ? (
                <RunButton ctx={ctx} task={t} />
              ) : (
                <p class="muted" data-testid="run-hidden">
                  You may view this task but not run it.
                </p>
              )}
              {ctx.can[TASK_WRITE] && t.step?.type === 'EncodedTask' ? (
                <TaskForm ctx={ctx} initial={taskFields(t)} onDone={load.reload} />
              ) : null}
              <h4>Definition</h4>
              <Fields
                items={[
                  ['Step type', step.type],
                  ['Context', step.contextPath ? <code>{step.contextPath}</code> : null],
                  ['Task file', step.taskFilePath ? <code>{step.taskFilePath}</code> : null],
                  ['Dockerfile', step.dockerFilePath ? <code>{step.dockerFilePath}</code> : null],
                  ['Images', step.imageNames?.length ? step.imageNames.join(', ') : null],
                  [
                    'Values',
                    (step.values ?? step.arguments ?? []).map((v: any) => (
                      <div key={v.name}>
                        <code>{v.name}</code> = {v.isSecret ? '••••••' : v.value}
                      </div>
                    )),
                  ],
                  ['Platform', t.platform ? `${t.platform.os}/${t.platform.architecture}` : null],
                  ['Timeout', t.timeout ? `${t.timeout}s` : null],
                ]}
              />
              {inline ? <pre class="yaml">{inline}</pre> : null}
              <h4>Identity</h4>
              <Fields
                items={[
                  ['Type', t.identity?.type ?? 'None'],
                  ['Principal ID', t.identity?.principalId ? <code>{t.identity.principalId}</code> : null],
                  [
                    'User-assigned',
                    t.identity?.userAssignedIdentities
                      ? Object.keys(t.identity.userAssignedIdentities).map((k) => (
                          <div key={k}>
                            <code class="small">{k}</code>
                          </div>
                        ))
                      : null,
                  ],
                ]}
              />
              <h4>Credentials</h4>
              <Table
                testid="task-credentials"
                rows={custom}
                empty="No custom registry credentials."
                columns={[
                  ['Login server', ([server]) => <code>{server}</code>],
                  ['Identity', ([, c]) => c.identity ?? '—'],
                  ['User name', ([, c]) => (c.userName ? 'set (hidden)' : '—')],
                ]}
              />
              <h4>Triggers</h4>
              <Fields
                items={[
                  [
                    'Source triggers',
                    (trig.sourceTriggers ?? []).map((s: any) => (
                      <div key={s.name}>
                        {s.name}: {(s.sourceTriggerEvents ?? []).join(', ')} ({s.status})
                      </div>
                    )),
                  ],
                  [
                    'Base image trigger',
                    trig.baseImageTrigger
                      ? `${trig.baseImageTrigger.name}: ${trig.baseImageTrigger.baseImageTriggerType} (${trig.baseImageTrigger.status})`
                      : null,
                  ],
                  [
                    'Timer triggers',
                    (trig.timerTriggers ?? []).map((s: any) => (
                      <div key={s.name}>
                        {s.name}: <code>{s.schedule}</code> ({s.status})
                      </div>
                    )),
                  ],
                ]}
              />
              <h4>Monitoring</h4>
              <RunCharts ctx={ctx} task={t.name} />
              <h4>Recent runs</h4>
              <Runs ctx={ctx} task={t.name} top={10} />
              <p>
                <a href={regLink(ctx, 'runs')}>All runs of this registry →</a>
              </p>
              {ctx.can[TASK_DELETE] ? (
                <button class="danger" data-testid="delete-task" onClick={() => del(t)}>
                  Delete task
                </button>
              ) : null}
              {deleteError ? <ErrorBox error={deleteError} /> : null}
              <details>
                <summary>Raw task</summary>
                <Json value={t} />
              </details>
            </section>
          );
        }}
      </Show>
    </>
  );
}
