export { backupDataDir, layoutOf, restoreDataDir, type BackupManifest, type DataDirLayout } from './data-dir-backup.js';
export { keyFingerprint, readMasterKey } from './master-key.js';
