export { ERRORS, type ErrorCode, type ErrorDefinition } from './registry.js';
export { DockyardError, isDockyardError, NotFoundError, ConflictError } from './dockyard-error.js';
