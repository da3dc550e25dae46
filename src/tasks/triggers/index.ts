export { TriggerService, type TriggerServiceOptions } from './trigger-service.js';
export { triggerMigrations, type TriggerTables } from './tables.js';
export { Schedule, validateSchedule, occurrenceText } from './cron.js';
export { BASE_IMAGE_CONSUMER } from './base-image-triggers.js';
export { listRemoteRefs, refPattern } from './git-remote.js';
