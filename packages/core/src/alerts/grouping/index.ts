export * from './types.js';
export { arrive, emptyGroup } from './arrive.js';
export { planFlush } from './flush.js';
export { decisionPolicy, groupStateTtlMs } from './policy.js';
export { groupIdentity } from './group-identity.js';
export { createGroupStore, type GroupStore, type StoredGroup } from './group-store.js';
