import { DockyardError } from '../shared/index.js';

export const WEBHOOK_ACTIONS = ['push', 'delete', 'quarantine', 'chart_push', 'chart_delete'] as const;
export type WebhookAction = (typeof WEBHOOK_ACTIONS)[number];

/** ACR: webhook names are 5–50 alphanumerics. */
export function validateWebhookName(name: string): string {
  if (!/^[a-zA-Z0-9]{5,50}$/.test(name)) {
    throw new DockyardError(
      'InvalidResourceName',
      `The webhook name '${name}' is invalid: use 5 to 50 letters and digits.`,
    );
  }
  return name;
}

export function validateActions(actions: unknown): WebhookAction[] {
  if (!Array.isArray(actions) || actions.length === 0)
    throw new DockyardError(
      'InvalidParameter',
      "The 'actions' property is required and must list at least one action.",
    );
  return [
    ...new Set(
      actions.map((a) => {
        const found = WEBHOOK_ACTIONS.find((x) => x === String(a).toLowerCase());
        if (!found)
          throw new DockyardError(
            'InvalidParameter',
            `The webhook action '${String(a)}' is invalid. Allowed values: ${WEBHOOK_ACTIONS.join(', ')}.`,
          );
        return found;
      }),
    ),
  ];
}

export function validateStatus(status: unknown): 'enabled' | 'disabled' {
  const s = String(status).toLowerCase();
  if (s !== 'enabled' && s !== 'disabled')
    throw new DockyardError(
      'InvalidParameter',
      `The webhook status '${String(status)}' is invalid. Allowed values: enabled, disabled.`,
    );
  return s;
}

const glob = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );

/** A scope: empty = every event; `repo:tag`, `repo:*`, wildcards anywhere; a bare `repo` means `repo:latest`. */
export function validateScope(scope: unknown): string {
  const s = scope === undefined || scope === null ? '' : String(scope).trim();
  if (s.length > 256 || /\s/.test(s) || s.split(':').length > 2)
    throw new DockyardError(
      'InvalidParameter',
      `The webhook scope '${s}' is invalid: use 'repository:tag' (wildcards allowed) or leave it empty.`,
    );
  return s;
}

/** Does an event on `repository` with any of `tags` (empty = untagged) fall in the scope? */
export function scopeMatches(scope: string, repository: string, tags: string[]): boolean {
  if (!scope) return true;
  const i = scope.indexOf(':');
  const repoPattern = i < 0 ? scope : scope.slice(0, i);
  const tagPattern = i < 0 ? 'latest' : scope.slice(i + 1);
  if (!glob(repoPattern).test(repository)) return false;
  if (tagPattern === '*' || tagPattern === '') return true;
  const t = glob(tagPattern);
  return tags.some((x) => t.test(x));
}
