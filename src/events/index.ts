export {
  eventMigrations,
  writeEvent,
  pendingEvents,
  markConsumed,
  claimEvent,
  outboxCursors,
  pruneOutbox,
  startOutboxPruner,
  type EventType,
  type OutboxEvent,
} from './outbox.js';
