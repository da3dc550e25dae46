export * from './sql/index.js';
