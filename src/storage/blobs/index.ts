export {
  DigestMismatchError,
  LengthMismatchError,
  UploadTooLargeError,
  UploadUnknownError,
  type BlobInfo,
  type BlobStore,
  type ByteRange,
  type UploadState,
} from './blob-store.js';
export { FsBlobStore } from './fs-blob-store.js';
export { MemoryBlobStore } from './memory-blob-store.js';
