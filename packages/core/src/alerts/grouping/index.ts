export * from './types.js';
export { arrive, emptyGroup, repeatDelay } from './arrive.js';
export { planFlush, summarySubject } from './flush.js';
export { decisionPolicy, groupingPolicy, groupStateTtlMs } from './policy.js';
export { groupIdentity, groupField } from './group-identity.js';
export { createGroupStore, type GroupStore, type StoredGroup } from './group-store.js';
