import { randomUUID } from 'node:crypto';
import type { OutboxEvent } from '../events/index.js';
import { scopeMatches } from './scope.js';
import type { Webhook } from './webhook-store.js';

interface ImageEvent {
  registry: string;
  repository: string;
  tag: string | null;
  tags?: string[];
  digest: string;
  mediaType: string | null;
  size?: number;
  kind?: 'manifest' | 'repository' | 'tag';
  primary?: boolean;
  request?: { id: string; host: string; method: string; useragent: string };
}

/**
 * The webhook action of an outbox event: `image.pushed` is `push`; `image.deleted` is `delete` once per deleted
 * manifest (repository or manifest delete; ACR sends nothing for a tag delete). Other events: none.
 */
export function webhookActionOf(ev: OutboxEvent): 'push' | 'delete' | null {
  const p = ev.payload as Partial<ImageEvent>;
  if (ev.type === 'image.pushed') return 'push';
  if (ev.type === 'image.deleted' && p.primary === true && (p.kind === 'manifest' || p.kind === 'repository'))
    return 'delete';
  return null;
}

export function eventMatches(
  hook: Pick<Webhook, 'actions' | 'scope'>,
  action: 'push' | 'delete',
  ev: OutboxEvent,
): boolean {
  const p = ev.payload as unknown as ImageEvent;
  if (!hook.actions.includes(action)) return false;
  const tags = action === 'push' ? (p.tag ? [p.tag] : []) : (p.tags ?? (p.tag ? [p.tag] : []));
  return scopeMatches(hook.scope, p.repository, tags);
}

/** ACR's webhook payload: `id, timestamp, action, target{...}, request{id, host, method, useragent}`. */
export function webhookContent(action: 'push' | 'delete', ev: OutboxEvent): Record<string, unknown> {
  const p = ev.payload as unknown as ImageEvent;
  const target: Record<string, unknown> =
    action === 'push'
      ? {
          mediaType: p.mediaType,
          size: p.size,
          digest: p.digest,
          length: p.size,
          repository: p.repository,
          ...(p.tag ? { tag: p.tag } : {}),
        }
      : { mediaType: p.mediaType, digest: p.digest, repository: p.repository };
  const content: Record<string, unknown> = { id: randomUUID(), timestamp: ev.createdAt, action, target };
  if (p.request)
    content.request = {
      id: p.request.id,
      host: p.request.host,
      method: p.request.method,
      useragent: p.request.useragent,
    };
  return content;
}

/** The ping payload (ACR documents it only as a generic POST). */
export const pingContent = (at: Date): Record<string, unknown> => ({
  id: randomUUID(),
  timestamp: at.toISOString(),
  action: 'ping',
});
