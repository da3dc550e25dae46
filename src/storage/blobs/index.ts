export {
  DigestMismatchError,
  LengthMismatchError,
  UploadConflictError,
  UploadTooLargeError,
  UploadUnknownError,
  type BlobInfo,
  type BlobStore,
  type ByteRange,
  type UploadState,
} from './blob-store.js';
export { FsBlobStore } from './fs-blob-store.js';
export { MemoryBlobStore } from './memory-blob-store.js';
export { AzureBlobStore, type AzureBlobStoreOptions } from './azure-blob-store.js';
export { UPLOAD_ACTIVE_WINDOW_MS } from './upload-hashes.js';
