export { eventMigrations, writeEvent, pendingEvents, markConsumed, type EventType, type OutboxEvent } from './outbox.js';
