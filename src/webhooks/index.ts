export { webhookMigrations, type WebhookTables } from './tables.js';
export {
  WebhookStore,
  WEBHOOK_LIMITS,
  webhookLimit,
  type Webhook,
  type WebhookInput,
  type WebhookRegistry,
} from './webhook-store.js';
export {
  WebhookDispatcher,
  WEBHOOK_CONSUMER,
  DEFAULT_DELIVERY,
  EVENTS_KEPT,
  type DeliveryOptions,
} from './dispatcher.js';
export { TargetPolicy, type ResolvedTarget } from './target-policy.js';
export { webhookArmRoutes, webhookShape, type WebhookArmDeps } from './arm-routes.js';
export { scopeMatches, validateScope, WEBHOOK_ACTIONS, type WebhookAction } from './scope.js';
