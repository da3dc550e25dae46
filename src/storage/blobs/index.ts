export {
  DigestMismatchError,
  LengthMismatchError,
  UploadConflictError,
  UploadTooLargeError,
  UploadUnknownError,
  FILE_NAME_RE,
  type BlobInfo,
  type BlobReader,
  type BlobStore,
  type ByteRange,
  type UploadState,
} from './blob-store.js';
export { FsBlobStore } from './fs-blob-store.js';
export { BufferPool, PooledTransfer, blobBuffers } from './buffer-pool.js';
export { MemoryBlobStore } from './memory-blob-store.js';
export type { AzureBlobStore, AzureBlobStoreOptions } from './azure-blob-store.js';
/** The Azure store's module (and its SDK) loads only when config `blobStore` is azure: start-up stays light. */
export const loadAzureBlobStore = async (): Promise<typeof import('./azure-blob-store.js').AzureBlobStore> =>
  (await import('./azure-blob-store.js')).AzureBlobStore;
export { UPLOAD_ACTIVE_WINDOW_MS } from './upload-hashes.js';
