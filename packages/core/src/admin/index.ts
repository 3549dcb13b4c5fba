export * from './admin-context.js';
export * from './route-dead-letters.js';
export * from './queue-operations.js';
export * from './trace-text.js';
