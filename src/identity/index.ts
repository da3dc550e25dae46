export { Directory, directoryMigrations, type NewPrincipal } from './directory.js';
export { ensureLocalAdmin, localAdminAuthenticator, LOCAL_ADMIN_OBJECT_ID } from './local-admin.js';
