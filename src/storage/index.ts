export * from './sql/index.js';
export * from './blobs/index.js';
