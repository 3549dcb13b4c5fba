export * from './flood-types.js';
export { digestAlerts, digestSubject, floodBucket, floodWindow } from './flood-bucket.js';
export { createFloodStore, type FloodStore } from './flood-store.js';
