import { knownSecrets, maskDeep, SecretSet } from '../../shared/index.js';
import type { RunRecord } from './model.js';

/**
 * The run as `az acr task show-run` / `list-runs` print it (acr-reference.md §3.2), masked with the run's secret
 * values and every secret the process knows (results are masked when stored; this also covers older rows).
 */
export function runShape(run: RunRecord): Record<string, unknown> {
  return maskDeep(unmaskedShape(run), new SecretSet().addAll(Object.values(run.request.secureValues)), knownSecrets);
}

function unmaskedShape(run: RunRecord): Record<string, unknown> {
  const r = run.request;
  const t = r.trigger;
  const custom = r.credentials ? Object.keys(r.credentials.customRegistries) : [];
  return {
    agentConfiguration: { cpu: 2 },
    agentPoolName: r.agentPoolName ?? null,
    createTime: run.createTime,
    customRegistries: custom.length ? custom : null,
    finishTime: run.finishTime,
    id: `${r.registryId}/runs/${run.runId}`,
    imageUpdateTrigger: t.imageUpdateTrigger ?? null,
    isArchiveEnabled: false,
    lastUpdatedTime: run.lastUpdatedTime,
    logArtifact: null,
    name: run.runId,
    outputImages: run.result.outputImages?.length ? run.result.outputImages : null,
    platform: r.platform,
    provisioningState: 'Succeeded',
    resourceGroup: r.resourceGroup,
    runErrorMessage: run.result.runErrorMessage ?? null,
    runId: run.runId,
    runType: run.runType,
    sourceRegistryAuth: r.credentials?.sourceRegistry.loginMode ?? 'Default',
    sourceTrigger: t.sourceTrigger ?? null,
    startTime: run.startTime,
    status: run.status,
    systemData: null,
    task: run.taskName,
    timerTrigger: t.timerTrigger ?? null,
    type: 'Microsoft.ContainerRegistry/registries/runs',
    updateTriggerToken: null,
  };
}
