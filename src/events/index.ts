export {
  eventMigrations,
  writeEvent,
  pendingEvents,
  markConsumed,
  outboxCursors,
  pruneOutbox,
  startOutboxPruner,
  type EventType,
  type OutboxEvent,
} from './outbox.js';
