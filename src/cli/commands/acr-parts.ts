import type { Command } from 'commander';

type AddTo = (acr: Command) => void;

/**
 * The subcommands of `dockyard acr` that live in their own files, by the names they add, in `dockyard acr --help`
 * order. They are imported on demand: `dockyard acr show` builds none of them, `dockyard acr task list` only the task
 * group (each is a chunk of the bundle; building all of acr's commands was most of an acr command's start-up).
 * test/unit/cli/lazy-commands.test.ts checks that the names match what each part adds.
 */
export const ACR_PARTS: Array<[names: string[], load: () => Promise<AddTo>]> = [
  [
    ['import'],
    async () =>
      (
        (m) => (acr) =>
          acr.addCommand(m.acrImportCommand())
      )(await import('./acr-import.js')),
  ],
  [
    ['webhook'],
    async () =>
      (
        (m) => (acr) =>
          acr.addCommand(m.acrWebhookCommands())
      )(await import('./acr-webhook.js')),
  ],
  [
    ['config'],
    async () =>
      (
        (m) => (acr) =>
          acr.addCommand(m.acrConfigCommands())
      )(await import('./acr-config.js')),
  ],
  [
    ['agentpool'],
    async () =>
      (
        (m) => (acr) =>
          acr.addCommand(m.acrAgentPoolCommands())
      )(await import('./acr-agentpool.js')),
  ],
  [['show-usage', 'check-health'], async () => (await import('./acr-usage.js')).acrUsageCommands],
  [
    ['task'],
    async () =>
      (
        (m) => (acr) =>
          acr.addCommand(m.acrTaskCommands())
      )(await import('./acr-task.js')),
  ],
  [['run', 'build'], async () => (await import('./acr-run.js')).quickRunCommands],
  // The registry data plane.
  [
    ['login'],
    async () =>
      (
        (m) => (acr) =>
          acr.addCommand(m.acrLoginCommand())
      )(await import('./acr-login.js')),
  ],
  [
    ['credential'],
    async () =>
      (
        (m) => (acr) =>
          acr.addCommand(m.acrCredentialCommands())
      )(await import('./acr-credential.js')),
  ],
  [
    ['repository'],
    async () =>
      (
        (m) => (acr) =>
          acr.addCommand(m.acrRepositoryCommands())
      )(await import('./acr-repository.js')),
  ],
  [
    ['manifest'],
    async () =>
      (
        (m) => (acr) =>
          acr.addCommand(m.acrManifestCommands())
      )(await import('./acr-manifest.js')),
  ],
  [
    ['scope-map'],
    async () =>
      (
        (m) => (acr) =>
          acr.addCommand(m.acrScopeMapCommands())
      )(await import('./acr-scope-map.js')),
  ],
  [
    ['token'],
    async () =>
      (
        (m) => (acr) =>
          acr.addCommand(m.acrTokenCommands())
      )(await import('./acr-token.js')),
  ],
];

/**
 * Adds the parts `args` (the words after `acr`; undefined = everything) needs: none when it names one of acr's own
 * commands, the part it names, or all of them (help, an unknown word — commander's suggestions need every name —
 * or no word). All are imported concurrently and added in order.
 */
export async function addAcrParts(acr: Command, args?: string[]): Promise<void> {
  const word = args?.[0];
  if (word !== undefined && acr.commands.some((c) => c.name() === word)) return;
  const named = ACR_PARTS.find(([names]) => word !== undefined && names.includes(word));
  const adders = await Promise.all((named ? [named] : ACR_PARTS).map(([, load]) => load()));
  for (const add of adders) add(acr);
}
