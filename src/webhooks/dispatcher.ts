import { sql, type Kysely } from 'kysely';
import { claimEvent, pendingEvents } from '../events/index.js';
import { DockyardError, type Clock, type Logger } from '../shared/index.js';
import type { SqlDatabase } from '../storage/index.js';
import { postJson, type PostLimits } from './http-post.js';
import { eventMatches, pingContent, webhookActionOf, webhookContent } from './payload.js';
import type { TargetPolicy } from './target-policy.js';
import type { WebhookTables } from './tables.js';
import type { WebhookRegistry, WebhookStore } from './webhook-store.js';

/** The outbox consumer name of webhook delivery. */
export const WEBHOOK_CONSUMER = 'webhooks.delivery';

export interface DeliveryOptions extends PostLimits {
  /** Attempts per event before it is given up (failed). */
  maxAttempts: number;
  /** First retry delay; doubles per attempt. */
  retryBaseMs: number;
  /** How often the loop looks for new outbox events and due deliveries. */
  tickMs: number;
}

export const DEFAULT_DELIVERY: DeliveryOptions = {
  maxAttempts: 5,
  retryBaseMs: 2_000,
  tickMs: 500,
  timeoutMs: 10_000,
  maxBody: 64 * 1024,
};

type EventRow = WebhookTables['webhook_events'];
const USER_AGENT = 'Dockyard-Webhook/0.1';
/** Finished deliveries kept per webhook (listEvents shows the newest 100); older ones are pruned about once a minute. */
export const EVENTS_KEPT = 200;
const PRUNE_EVERY_TICKS = 120;
/** A leased delivery becomes due again this long after its timeout (its node died mid-delivery). */
const DELIVERY_LEASE_MARGIN_MS = 30_000;
const MASK = '******';

/** The request URI recorded in the delivery history: no query string (it may carry a token). */
const recordedUri = (uri: string) => {
  const u = new URL(uri);
  return `${u.origin}${u.pathname}`;
};

/**
 * Turns outbox events into webhook deliveries and delivers them, off the request path: a push only writes its
 * outbox event; this loop (own consumer name) records one pending delivery per matching webhook, in the same
 * transaction that marks the event consumed, then POSTs with bounded timeouts and retries with backoff. Pending
 * deliveries are rows, so they survive a restart.
 */
export class WebhookDispatcher {
  private readonly db: Kysely<WebhookTables>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly inFlight = new Set<number>();
  private ticks = 0;

  constructor(
    private readonly sql: SqlDatabase,
    private readonly store: WebhookStore,
    private readonly policy: TargetPolicy,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: DeliveryOptions = DEFAULT_DELIVERY,
  ) {
    this.db = sql as Kysely<WebhookTables>;
  }

  start(): void {
    this.timer = setInterval(
      () => void this.tick().catch((err) => this.log.error({ err }, 'webhook delivery failed')),
      this.options.tickMs,
    );
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass: ingest new outbox events, then deliver what is due. Overlapping calls share the pass. */
  tick(): Promise<void> {
    this.running ??= (async () => {
      await this.ingest();
      await this.deliverDue();
      if (++this.ticks % PRUNE_EVERY_TICKS === 0) await this.prune();
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  private async ingest(): Promise<void> {
    for (;;) {
      const events = await pendingEvents(this.sql, WEBHOOK_CONSUMER, ['image.pushed', 'image.deleted'], 100);
      for (const ev of events) {
        const action = webhookActionOf(ev);
        const hooks = action
          ? (await this.store.forDelivery(String(ev.payload.registry))).filter((h) => eventMatches(h, action, ev))
          : [];
        const now = this.clock.now().toISOString();
        await this.db.transaction().execute(async (trx) => {
          // First the claim: with several API nodes exactly one records the deliveries of an event.
          if (!(await claimEvent(trx as unknown as SqlDatabase, WEBHOOK_CONSUMER, ev.id))) return;
          for (const h of hooks) {
            const content = webhookContent(action!, ev);
            await trx
              .insertInto('webhook_events')
              .values(this.pendingRow(h.id, action!, content, h.serviceUri, h.customHeaders, now))
              .execute();
          }
        });
      }
      if (events.length < 100) return;
    }
  }

  private pendingRow(
    webhookId: string,
    action: string,
    content: Record<string, unknown>,
    serviceUri: string,
    custom: Record<string, string>,
    now: string,
  ): Omit<EventRow, 'seq'> {
    // Custom header values are secrets: the stored request shows their names only.
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': USER_AGENT };
    for (const k of Object.keys(custom)) headers[k] = MASK;
    const request = { content, headers, method: 'POST', requestUri: recordedUri(serviceUri), version: '1.1' };
    return {
      id: String(content.id),
      webhook_id_lower: webhookId.toLowerCase(),
      action,
      created_at: now,
      request: JSON.stringify(request),
      response: null,
      state: 'pending',
      attempts: 0,
      next_attempt_at: now,
    };
  }

  /** Keeps the newest EVENTS_KEPT finished deliveries of each webhook. */
  async prune(): Promise<void> {
    await sql`delete from webhook_events where state != 'pending' and seq not in (select w.seq from webhook_events w where w.webhook_id_lower = webhook_events.webhook_id_lower order by w.seq desc limit ${EVENTS_KEPT})`.execute(
      this.db,
    );
  }

  private async deliverDue(): Promise<void> {
    const now = this.clock.now().toISOString();
    const due = await this.db
      .selectFrom('webhook_events')
      .selectAll()
      .where('state', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .orderBy('seq')
      .limit(32)
      .execute();
    const mine = await Promise.all(due.filter((r) => !this.inFlight.has(r.seq!)).map((r) => this.lease(r)));
    await Promise.all(mine.filter((r): r is EventRow => r !== null).map((r) => this.deliver(r)));
  }

  /**
   * Takes a due delivery for this node: moves its next attempt past the delivery's timeout, only if no other node
   * did so first (compare-and-set on `next_attempt_at`). A node that dies mid-delivery leaves it due again after that.
   */
  private async lease(row: EventRow): Promise<EventRow | null> {
    const until = new Date(
      this.clock.now().getTime() + this.options.timeoutMs + DELIVERY_LEASE_MARGIN_MS,
    ).toISOString();
    const r = await this.db
      .updateTable('webhook_events')
      .set({ next_attempt_at: until })
      .where('seq', '=', row.seq!)
      .where('state', '=', 'pending')
      .where('next_attempt_at', '=', row.next_attempt_at)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1 ? { ...row, next_attempt_at: until } : null;
  }

  private async deliver(row: EventRow): Promise<EventRow> {
    const seq = row.seq!;
    this.inFlight.add(seq);
    try {
      const hook = await this.store.secretsById(row.webhook_id_lower);
      if (!hook) {
        await this.db.deleteFrom('webhook_events').where('seq', '=', seq).execute();
        return row;
      }
      const content = (JSON.parse(row.request) as { content: unknown }).content;
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': USER_AGENT };
      for (const [k, v] of Object.entries(hook.customHeaders)) headers[k.toLowerCase()] = v;
      const attempts = row.attempts + 1;
      let response: Record<string, unknown>;
      let ok = false;
      let retry = true;
      try {
        const target = await this.policy.resolve(hook.serviceUri);
        const r = await postJson(target, headers, JSON.stringify(content), this.options);
        ok = r.statusCode >= 200 && r.statusCode < 300;
        response = {
          content: r.content,
          headers: r.headers,
          reasonPhrase: r.reasonPhrase,
          statusCode: String(r.statusCode),
          version: r.version,
        };
      } catch (err) {
        // A refused target is final; a network error or timeout is retried.
        retry = !(err instanceof DockyardError);
        const message = err instanceof DockyardError ? `${err.code}: ${err.message}` : (err as Error).message;
        response = { content: '', headers: {}, reasonPhrase: message, statusCode: '', version: '' };
      }
      const state = ok ? 'delivered' : !retry || attempts >= this.options.maxAttempts ? 'failed' : 'pending';
      const next = new Date(this.clock.now().getTime() + this.options.retryBaseMs * 2 ** (attempts - 1)).toISOString();
      const update = { response: JSON.stringify(response), attempts, state, next_attempt_at: next };
      await this.db.updateTable('webhook_events').set(update).where('seq', '=', seq).execute();
      if (!ok)
        this.log.warn(
          {
            webhook: hook.webhook.name,
            event: row.id,
            attempts,
            state,
            status: response.statusCode || response.reasonPhrase,
          },
          'webhook delivery not accepted',
        );
      return { ...row, ...update };
    } finally {
      this.inFlight.delete(seq);
    }
  }

  /** `ping`: posts a ping event now (one attempt here; retried by the loop if it fails). Returns its id. */
  async ping(registry: WebhookRegistry, name: string): Promise<{ id: string }> {
    const hook = await this.store.get(registry, name);
    const secrets = (await this.store.secretsById(hook.id.toLowerCase()))!;
    const content = pingContent(this.clock.now());
    const row = this.pendingRow(
      hook.id,
      'ping',
      content,
      secrets.serviceUri,
      secrets.customHeaders,
      this.clock.now().toISOString(),
    );
    // Inserted as not yet due, so the loop does not deliver it concurrently; deliver() reschedules it.
    const far = new Date(this.clock.now().getTime() + 3600_000).toISOString();
    const inserted = await this.db
      .insertInto('webhook_events')
      .values({ ...row, next_attempt_at: far })
      .returning('seq')
      .executeTakeFirstOrThrow();
    await this.deliver({ ...row, seq: inserted.seq });
    return { id: row.id };
  }

  /**
   * `listEvents`: the delivery history, newest first, in ACR's Event shape, a page of `limit` at a time: `before` is
   * the previous page's `last` (events are numbered in the order they were recorded); `last` is set when more remain.
   */
  async listEvents(
    registry: WebhookRegistry,
    name: string,
    limit = 100,
    before?: number,
  ): Promise<{ events: Array<Record<string, unknown>>; last?: number }> {
    const hook = await this.store.get(registry, name);
    let q = this.db.selectFrom('webhook_events').selectAll().where('webhook_id_lower', '=', hook.id.toLowerCase());
    if (before !== undefined) q = q.where('seq', '<', before);
    const rows = await q
      .orderBy('seq', 'desc')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const events = page.map((r) => ({
      id: r.id,
      eventRequestMessage: JSON.parse(r.request) as Record<string, unknown>,
      ...(r.response ? { eventResponseMessage: JSON.parse(r.response) as Record<string, unknown> } : {}),
    }));
    return rows.length > limit ? { events, last: Number(page[page.length - 1].seq) } : { events };
  }
}
