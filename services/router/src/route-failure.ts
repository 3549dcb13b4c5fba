import { UnrecoverableError } from 'bullmq';
import { errorCodeOf, ROUTE_ATTEMPTS, type ErrorCode } from '@mailsort/core';

// What ioredis says when the server cannot be reached (not a reply the server gave).
const UNREACHABLE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|Connection is closed|Stream isn't writeable|max retries per request/i;

/** The code a failed route attempt is logged and dead-lettered with: never a guess. */
export function routeFailureCode(error: unknown): ErrorCode {
  const known = errorCodeOf(error);
  if (known) return known;
  if (error instanceof Error) {
    if (/^OOM\b/.test(error.message)) return 'REDIS_FULL';
    const code = (error as { code?: unknown }).code;
    if (error.name === 'MaxRetriesPerRequestError' || UNREACHABLE.test(error.message) || (typeof code === 'string' && UNREACHABLE.test(code))) return 'REDIS_UNAVAILABLE';
  }
  return 'ROUTE_FAILED';
}

/** A route attempt's failure, coded; unrecoverable so BullMQ stops retrying. */
export class RouteFailedError extends UnrecoverableError {
  constructor(readonly code: ErrorCode, message: string, options: { cause: unknown }) {
    super(message);
    this.cause = options.cause;
  }
}

export class RouteRetryError extends Error {
  constructor(readonly code: ErrorCode, message: string, options: { cause: unknown }) {
    super(message, options);
  }
}

/**
 * The error a failed route attempt ends with. Its message starts with the code, so the dead
 * letter's failedReason (what `queue list` shows) says it; at the last attempt of the schedule
 * (also for jobs queued with a longer one by an older ingest) it is unrecoverable.
 */
export function routeFailure(error: unknown, attemptsMade: number, attempts: number | undefined): Error {
  if (error instanceof UnrecoverableError) return error;
  const code = routeFailureCode(error);
  const message = `${code}: ${error instanceof Error ? error.message : String(error)}`;
  const last = attemptsMade + 1 >= Math.min(attempts ?? ROUTE_ATTEMPTS, ROUTE_ATTEMPTS);
  return last ? new RouteFailedError(code, message, { cause: error }) : new RouteRetryError(code, message, { cause: error });
}
