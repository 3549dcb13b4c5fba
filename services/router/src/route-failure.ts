import { UnrecoverableError } from 'bullmq';
import { failureCode, ROUTE_ATTEMPTS, type ErrorCode } from '@mailsort/core';

/** The code a failed route attempt is logged and dead-lettered with: never a guess. */
export function routeFailureCode(error: unknown): ErrorCode {
  return failureCode(error, 'ROUTE_FAILED');
}

/** A route attempt's failure, coded; unrecoverable so BullMQ stops retrying. */
class RouteFailedError extends UnrecoverableError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { cause: unknown },
  ) {
    super(message);
    this.cause = options.cause;
  }
}

class RouteRetryError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { cause: unknown },
  ) {
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
