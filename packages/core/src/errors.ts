/**
 * Every error mailsort logs or returns carries one of these stable codes.
 * docs/errors.md lists the same codes; a test keeps the two in step.
 */
export const ERROR_CODES = {
  // shared
  CONFIG_INVALID: 'the configuration file failed validation',
  CONFIG_UNREADABLE: 'the configuration file (or a *_file secret) could not be read',
  REDIS_UNAVAILABLE: 'Redis did not answer; the operation was refused or will be retried',
  MESSAGE_TOO_BIG: 'the message is larger than ingest.limits.max_message_size',
  MESSAGE_MISSING: 'a job points at a stored message that no longer exists',
  JOB_INVALID: 'a job payload failed its schema (wrong version or shape)',
  SERVICE_CRASHED: 'an unhandled error stopped the process',
  SHUTDOWN_STEP_FAILED: 'a step of the graceful shutdown threw; the remaining steps still ran',
  // ingest
  RELAY_DENIED: 'an untrusted, unauthenticated client tried to relay',
  // routing
  // delivery
  UPSTREAM_UNKNOWN: 'a delivery names an upstream that is not configured',
  DELIVERY_TEMPORARY: 'the upstream refused or failed temporarily; the delivery will be retried',
  DELIVERY_PERMANENT: 'the upstream refused permanently; the delivery failed',
  DELIVERY_EXPIRED: 'the delivery kept failing temporarily until delivery.max_lifetime passed; it failed as expired',
  QUEUE_ENTRY_UNKNOWN: 'a `mailsort queue` command named a message or delivery that is not in the queue',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class MailsortError extends Error {
  readonly code: ErrorCode;
  /** The exact SMTP reply to give a client, when the error faces one. */
  readonly smtpReply: string | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; smtpReply?: string } = {}) {
    super(message, { cause: options.cause });
    this.name = 'MailsortError';
    this.code = code;
    this.smtpReply = options.smtpReply;
  }
}

export function errorCodeOf(error: unknown): ErrorCode | undefined {
  return error instanceof MailsortError ? error.code : undefined;
}
