import type { Readable } from 'node:stream';

/** What the store knows about one stored blob. */
export interface BlobInfo {
  digest: string;
  size: number;
}

/** An inclusive byte range (like HTTP's `Range: bytes=start-end`). */
export interface ByteRange {
  start: number;
  end: number;
}

/** Random access to one stored blob: the caller reads into its own (reused) buffers. */
export interface BlobReader {
  readonly info: BlobInfo;
  /** Reads up to `length` bytes at `position` into the start of `buf`; returns the bytes read (0 at the end). */
  read(buf: Buffer, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

/** An in-progress upload: bytes appended so far. */
export interface UploadState {
  id: string;
  size: number;
}

/** Thrown by `commitUpload` when the content does not hash to the expected digest; nothing is stored. */
export class DigestMismatchError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`digest mismatch: expected ${expected}, content is ${actual}`);
    this.name = 'DigestMismatchError';
  }
}

/** Thrown when an upload id is unknown (never started, committed or aborted). */
export class UploadUnknownError extends Error {
  constructor(readonly id: string) {
    super(`upload ${id} unknown`);
    this.name = 'UploadUnknownError';
  }
}

/** Thrown when appended data would exceed the caller's limit; the upload keeps its previous size. */
export class UploadTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`upload exceeds ${limit} bytes`);
    this.name = 'UploadTooLargeError';
  }
}

/** Thrown when another request (possibly on another node) changed the upload while this one worked on it. */
export class UploadConflictError extends Error {
  constructor(readonly id: string) {
    super(`upload ${id} was changed concurrently`);
    this.name = 'UploadConflictError';
  }
}

/**
 * Content-addressed blob storage (sha256). Blobs become visible only after their digest verified; an upload is a
 * private temp object until `commitUpload`. Every upload's state lives in the store itself, so any node sharing the
 * store can append to, inspect or commit an upload another node started (docs/designs/blob-storage.md).
 * Implementations: FsBlobStore (default), AzureBlobStore (Azure Blob Storage), MemoryBlobStore (tests).
 */
export interface BlobStore {
  stat(digest: string): Promise<BlobInfo | null>;
  /** Streams a blob (or an inclusive range of it). Returns null when the blob does not exist. */
  get(digest: string, range?: ByteRange): Promise<{ info: BlobInfo; stream: Readable } | null>;
  /**
   * Optional random access (stores backed by files or memory); null when the blob does not exist. Big downloads use
   * it to read into pooled buffers instead of a stream that allocates a buffer per chunk.
   */
  openReader?(digest: string): Promise<BlobReader | null>;
  /** Removes a blob; returns false when it did not exist. */
  delete(digest: string): Promise<boolean>;
  /** Every stored blob digest (for garbage collection). */
  list(): AsyncIterable<string>;
  startUpload(id: string): Promise<UploadState>;
  uploadState(id: string): Promise<UploadState | null>;
  /**
   * Appends a stream to an upload, hashing as it writes. `expectedLength` (when given) must match the bytes read,
   * `maxSize` caps the total. On any failure the upload is truncated back to its previous size.
   */
  appendUpload(
    id: string,
    data: Readable,
    options?: { expectedLength?: number; maxSize?: number },
  ): Promise<UploadState>;
  /** Verifies the digest and atomically makes the blob visible (idempotent if it already exists). Ends the upload. */
  commitUpload(id: string, expectedDigest: string): Promise<BlobInfo>;
  abortUpload(id: string): Promise<void>;
  /**
   * True while the upload is in use: this process works on it, or any node started or appended to it within the
   * activity window (`UPLOAD_ACTIVE_WINDOW_MS`). GC never removes an active upload.
   */
  isUploadActive(id: string): Promise<boolean>;
  /** Upload ids that exist in storage (to clean up sessions abandoned by a crash). */
  listUploads(): Promise<string[]>;
  /**
   * Named private files beside the blobs (e.g. build-source archives of task runs): not content-addressed, never
   * touched by GC, shared by every node on the store. `putFile` writes the whole file or nothing (a failed write —
   * `maxSize`, a broken stream — leaves no file, and an existing file of that name keeps its content) and returns the
   * size written. Names: FILE_NAME_RE.
   */
  putFile(name: string, data: Readable, options?: { maxSize?: number }): Promise<number>;
  /** Streams a file; null when there is none. */
  getFile(name: string): Promise<{ size: number; stream: Readable } | null>;
  /** Removes every file under `dir/` (a name prefix ending at a `/`); returns how many were removed. */
  deleteFiles(dir: string): Promise<number>;
}

/** File names: `/`-separated segments of letters, digits, `.`, `_`, `-`, none starting with `.` (no `..`). */
export const FILE_NAME_RE = /^(?=.{1,512}$)[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

/** Thrown for a file name or directory outside FILE_NAME_RE. */
export function checkFileName(name: string): string {
  if (!FILE_NAME_RE.test(name)) throw new Error(`invalid file name '${name.slice(0, 80)}'`);
  return name;
}

/** Thrown when a stream delivered a different number of bytes than announced. */
export class LengthMismatchError extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`expected ${expected} bytes, got ${actual}`);
    this.name = 'LengthMismatchError';
  }
}
