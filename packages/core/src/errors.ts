/**
 * Every error mailsort logs or returns carries one of these stable codes.
 * docs/errors.md lists the same codes; a test keeps the two in step.
 */
export const ERROR_CODES = {
  // shared
  CONFIG_INVALID: 'the configuration file failed validation',
  CONFIG_UNREADABLE: 'the configuration file (or a *_file secret) could not be read',
  REDIS_UNAVAILABLE: 'Redis did not answer; the operation was refused or will be retried',
  REDIS_RECONNECTING: 'a connection to Redis that was lost is being reconnected (logged once per outage per connection)',
  REDIS_RECONNECTED: 'a connection to Redis that was lost is back (logged once, with how long it was down)',
  REDIS_FAILOVER: 'the connections of a process came back on another Redis master than before: a Sentinel failover seen (logged once per process per failover)',
  QUEUE_ERROR: 'BullMQ reported an error that is not about the connection to Redis (while Redis answers)',
  MESSAGE_TOO_BIG: 'the message is larger than ingest.limits.max_message_size, or its header section than max_header_size',
  MESSAGE_MISSING: 'a job points at a stored message that no longer exists',
  TRANSITION_REFUSED: "a change of a message's state was refused: the state it found does not allow it (docs/delivery.md, message lifecycle)",
  JOB_INVALID: 'a job payload failed its schema (wrong version or shape)',
  SERVICE_CRASHED: 'an unhandled error stopped the process',
  SHUTDOWN_STEP_FAILED: 'a step of the graceful shutdown threw; the remaining steps still ran',
  CONFIG_RESTART_REQUIRED: 'a reload changed a key that only a restart applies; the running value was kept and the rest applied',
  CONFIG_RELOAD_FAILED: 'a valid configuration could not be applied on reload (a certificate or users file changed under it); the running one stays',
  // ingest
  RELAY_DENIED: 'an untrusted, unauthenticated client tried to relay',
  TLS_UNREADABLE: 'ingest.tls cert_file or key_file could not be read or is not a matching PEM certificate and key',
  USERS_FILE_INVALID: 'ingest.users_file could not be read or failed validation',
  AUTH_FAILED: 'a client gave a wrong user name or password (SMTP 535, or 421 after too many)',
  AUTH_LOCKED_OUT: 'a client address is locked out of AUTH after repeated failures (SMTP 421)',
  AUTH_THROTTLED: 'a client address has as many AUTH checks running as it may still fail; refused until they end (SMTP 454)',
  SENDER_NOT_ALLOWED: 'an authenticated user used an envelope sender outside its allowed_senders (SMTP 553)',
  RATE_LIMITED: 'an authenticated user went over its rate_limit (SMTP 450)',
  STORE_TIMEOUT: 'Redis did not confirm a message was stored within ingest.limits.store_timeout; the client was told 451 and the write withdrawn',
  REPLICA_ACK_TIMEOUT: 'fewer than redis.min_replicas_acked replicas confirmed a stored message within redis.replica_ack_timeout; the client was told 451 and the write withdrawn',
  REPLICAS_TOO_FEW: 'at ingest start the Redis master had fewer connected replicas than redis.min_replicas_acked: accepts answer 451 until enough connect',
  ROUTE_PROMOTE_FAILED: 'a replicated message could not be released for routing at once; its held route job runs when its hold (store_timeout + replica_ack_timeout) ends: late, not lost',
  REDIS_FULL: 'Redis refused to store a message because it is at maxmemory (SMTP 452 4.3.1); the client retries',
  ADDRESS_INVALID: 'a MAIL FROM or RCPT TO address is not one RFC 5321 mailbox (SMTP 501 5.1.7 / 5.1.3)',
  BAD_COMMAND: 'a client sent a malformed command or talked out of turn (SMTP 501, 421)',
  CONNECTION_LIMITED:
    'a connection was refused before the greeting: its address holds max_connections_per_client, or untrusted clients hold all slots not reserved for trusted networks (SMTP 421 4.7.0)',
  SESSION_TOO_SLOW: 'a session was cut off: its transaction passed transaction_timeout or its DATA stayed below min_data_rate (SMTP 421 4.4.2)',
  PASSWORD_COSTS_MIXED: 'the configured password hashes use different bcrypt costs, so AUTH timing can tell some user names apart (warning at start)',
  // routing
  RULE_UNKNOWN_GROUP: 'a rule names a GoCD pipeline group that is not in the snapshot; the rule-error policy applied',
  RULE_NO_GROUPS: 'a GoCD rule ran before gocd-sync wrote any pipeline-group snapshot; the rule-error policy applied',
  RULE_NO_SUBJECT: 'a GoCD rule got a message without a Subject; the rule-error policy applied',
  RULE_NO_BODY: 'a body rule could not read the message body; the rule-error policy applied',
  RULE_INVALID: 'a rule could not be evaluated (bad regular expression, unknown function, a rule that failed); the rule-error policy applied',
  ROUTE_FAILED: 'routing a message failed on something other than a rule (a bug, a Redis reply error); retried on a bounded schedule, then kept as a dead letter (`mailsort queue list`)',
  GOCD_UNREACHABLE: 'gocd-sync could not reach GoCD (connection error or timeout); the last snapshot stays',
  GOCD_REJECTED: 'GoCD refused gocd-sync (401/403/404: credentials, admin rights, API version); the last snapshot stays',
  GOCD_BAD_RESPONSE: 'GoCD answered something that is not a pipeline-group list; the last snapshot stays',
  GOCD_SYNC_FAILED: 'a GoCD poll failed for a reason that is neither GoCD nor Redis (a bug); the last snapshot stays',
  EXPECT_HOSTS_LIMIT: "an expectation already tracks routing.expect's limit of hosts (10,000); a mail from one more host is routed but not tracked",
  EXPECT_CHECK_FAILED: "the dead-man's-switch checker could not check the expectations (Redis, or a bug); it tries again next interval",
  CANARY_FAILED: 'a canary probe did not reach its upstream within canary.every (ingest refused it, the upstream did not answer 250, or it timed out); mailsort_canary_success is 0',
  // delivery
  UPSTREAM_UNKNOWN: 'a delivery names an upstream that is not configured',
  DELIVERY_TEMPORARY: 'the upstream refused or failed temporarily; the delivery will be retried',
  DELIVERY_PERMANENT: 'the upstream refused permanently; the delivery failed',
  DELIVERY_EXPIRED: 'the delivery kept failing temporarily until delivery.max_lifetime passed; it failed as expired',
  NOTICE_RATE_LIMITED: 'a dead-letter notice left out a contact that had delivery.dead_letters.notify.per_contact notices this window; the dead letter stays listed',
  NOTICE_FAILED: 'a dead-letter notice could not be queued, or died too (never noticed again); the dead letter stays listed and replayable',
  QUEUE_ENTRY_UNKNOWN: 'a `mailsort queue` command named a message or delivery that is not in the queue',
  // console
  INDEX_WRITE_FAILED: 'the message index the console searches could not be written (by the router) or trimmed (by the console); routing goes on, the message is only missing from search',
  RATE_SAMPLE_FAILED: "a process could not write its counter increments for the console's chart; they are kept and written at the next interval",
  CONSOLE_LOGIN_FAILED: 'a console login gave a wrong user name or password',
  CONSOLE_CSRF_REFUSED: 'a state-changing console request came cross-site, or from a session without its CSRF token (HTTP 403)',
  CONSOLE_HOST_REFUSED: 'a console request named a Host that is not loopback nor in console.public_hosts (HTTP 421, DNS rebinding)',
  CONSOLE_FORBIDDEN: 'a read-only console user asked for a retry, replay or delete (HTTP 403)',
  CONSOLE_REQUEST_FAILED: 'the console could not answer a request (Redis, or a bug); HTTP 500',
  CONSOLE_NO_USERS: 'console.users and console.tokens are both empty, so nobody can log in (warning at start)',
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

// What ioredis throws when Redis cannot be reached (not a reply the server gave).
const UNREACHABLE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|NR_CLOSED|Connection is closed|Stream isn't writeable|max retries per request/i;
const UNREACHABLE_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError', 'AbortError']);

/**
 * The code to log for an error caught around Redis work, never a guess: its own mailsort
 * code; REDIS_FULL for Redis's OOM refusal; REDIS_UNAVAILABLE when ioredis could not reach
 * Redis; else `fallback` — a parser bug or a reply error (WRONGTYPE) is not an outage.
 */
export function failureCode(error: unknown, fallback: ErrorCode): ErrorCode {
  const own = errorCodeOf(error);
  if (own) return own;
  const { name, code, message } = (error ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
  if (typeof message === 'string' && /^OOM\b/.test(message)) return 'REDIS_FULL';
  if (typeof name === 'string' && UNREACHABLE_NAMES.has(name)) return 'REDIS_UNAVAILABLE';
  if ((typeof code === 'string' && UNREACHABLE.test(code)) || (typeof message === 'string' && UNREACHABLE.test(message))) return 'REDIS_UNAVAILABLE';
  return fallback;
}

/** The mailsort code an error carries (a MailsortError, or any error with one of our codes). */
export function errorCodeOf(error: unknown): ErrorCode | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code) ? (code as ErrorCode) : undefined;
}
