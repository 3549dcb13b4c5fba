import { errorCodeOf, type ErrorCode } from '@mailsort/core';

export interface StorageFailure {
  code: number;
  text: string;
  /** `mailsort_ingest_messages_rejected_total` reason. */
  reason: 'redis_full' | 'redis_unavailable' | 'store_timeout';
  errorCode: ErrorCode;
}

/**
 * The reply when a message could not be stored. A Redis at maxmemory (noeviction) refuses
 * writes with an OOM error: that is "mail system full" (RFC 3463 4.3.1), as Postfix answers
 * when its queue file system is full; anything else is a temporary failure to reach Redis.
 * Both are 4xx: the client keeps the message and retries.
 */
export function storageFailure(error: unknown): StorageFailure {
  if (errorCodeOf(error) === 'STORE_TIMEOUT') {
    return { code: 451, text: '4.3.0 Temporary failure storing the message, try again later', reason: 'store_timeout', errorCode: 'STORE_TIMEOUT' };
  }
  if (error instanceof Error && /^OOM\b/.test(error.message)) {
    return { code: 452, text: '4.3.1 Insufficient system storage, try again later', reason: 'redis_full', errorCode: 'REDIS_FULL' };
  }
  return { code: 451, text: '4.3.0 Temporary failure storing the message, try again later', reason: 'redis_unavailable', errorCode: 'REDIS_UNAVAILABLE' };
}
