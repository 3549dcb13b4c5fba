import { errorCodeOf, rejection, type Refusal } from '@mailsort/core';

/**
 * The reply when a message could not be stored. A Redis at maxmemory (noeviction) refuses
 * writes with an OOM error: that is "mail system full"; anything else is a temporary failure
 * to reach Redis. Both are 4xx: the client keeps the message and retries.
 */
export function storageFailure(error: unknown): Refusal<'redis_full' | 'redis_unavailable' | 'store_timeout' | 'not_replicated'> {
  if (errorCodeOf(error) === 'STORE_TIMEOUT') return rejection('store_timeout');
  if (errorCodeOf(error) === 'REPLICA_ACK_TIMEOUT') return rejection('not_replicated');
  if (error instanceof Error && /^OOM\b/.test(error.message)) return rejection('redis_full');
  return rejection('redis_unavailable', 'store');
}
