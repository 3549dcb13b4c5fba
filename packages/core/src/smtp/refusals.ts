import type { ErrorCode } from '../errors.js';

// Every refusal ingest can answer, by the reason its metric and log line carry. The metric
// labels are the keys of these tables, so a reason cannot exist without its counter at 0.
// A `text` that is a function takes what the reply names (an address, a user).

interface Reply<Args extends unknown[]> {
  code: number;
  /** The reply after the code: RFC 3463 enhanced status code first. */
  text: string | ((...args: Args) => string);
  errorCode: ErrorCode;
}

function table<T extends Record<string, Reply<never>>>(entries: T): T {
  return Object.freeze(entries);
}

const TEMPORARY_STORE = '4.3.0 Temporary failure storing the message, try again later';

/** Transactions refused: `mailsort_ingest_messages_rejected_total{reason}`. */
export const REJECTIONS = table({
  relay_denied: { code: 550, text: '5.7.1 Relay access denied: authenticate (AUTH after STARTTLS) or send from a trusted network', errorCode: 'RELAY_DENIED' },
  too_many_recipients: { code: 452, text: '4.5.3 Too many recipients', errorCode: 'BAD_COMMAND' },
  too_big: { code: 552, text: '5.3.4 Message size exceeds fixed maximum message size', errorCode: 'MESSAGE_TOO_BIG' },
  header_too_big: { code: 552, text: '5.3.4 Message header section exceeds fixed maximum size', errorCode: 'MESSAGE_TOO_BIG' },
  bad_address: {
    code: 501,
    text: (kind: 'sender' | 'recipient', why: string) => (kind === 'sender' ? `5.1.7 Bad sender address syntax: ${why}` : `5.1.3 Bad recipient address syntax: ${why}`),
    errorCode: 'ADDRESS_INVALID',
  },
  // A check that needed Redis (the rate limit) or the store itself: the client retries.
  redis_unavailable: { code: 451, text: (at: 'check' | 'store') => (at === 'store' ? TEMPORARY_STORE : '4.3.0 Temporary failure, try again later'), errorCode: 'REDIS_UNAVAILABLE' },
  // RFC 3463 4.3.1 "mail system full", as Postfix answers when its queue file system is full.
  redis_full: { code: 452, text: '4.3.1 Insufficient system storage, try again later', errorCode: 'REDIS_FULL' },
  store_timeout: { code: 451, text: TEMPORARY_STORE, errorCode: 'STORE_TIMEOUT' },
  // redis.min_replicas_acked: the master has it, too few replicas confirmed it in time.
  not_replicated: { code: 451, text: '4.3.0 Temporary failure: the message could not be replicated, try again later', errorCode: 'REPLICA_ACK_TIMEOUT' },
  sender_not_allowed: { code: 553, text: (from: string, user: string) => `5.7.1 Sender address <${from}> is not allowed for user ${user}`, errorCode: 'SENDER_NOT_ALLOWED' },
  rate_limited: { code: 450, text: (user: string) => `4.7.1 Rate limit for user ${user} exceeded, try again later`, errorCode: 'RATE_LIMITED' },
});

/** Connections refused before the greeting: `mailsort_ingest_connections_refused_total{reason}`. */
export const CONNECTION_REFUSALS = table({
  max_connections: { code: 421, text: '4.7.0 Too many connected clients, try again in a moment', errorCode: 'CONNECTION_LIMITED' },
  per_client: { code: 421, text: '4.7.0 Too many connections from your address, try again later', errorCode: 'CONNECTION_LIMITED' },
  untrusted_slots: { code: 421, text: '4.7.0 Too many connected clients, try again in a moment', errorCode: 'CONNECTION_LIMITED' },
});

/** Sessions cut off for being too slow: `mailsort_ingest_sessions_cut_total{reason}`. */
export const SESSION_CUTS = table({
  transaction_timeout: { code: 421, text: '4.4.2 Transaction took too long, closing connection', errorCode: 'SESSION_TOO_SLOW' },
  slow_data: { code: 421, text: '4.4.2 Message data arrives too slowly, closing connection', errorCode: 'SESSION_TOO_SLOW' },
});

/**
 * Cut off without a reply: an implicit-TLS socket whose handshake did not finish in time has
 * no session to answer in, so it is closed. Counted with SESSION_CUTS.
 */
export const SILENT_SESSION_CUTS = ['handshake_timeout'] as const;

export type RejectReason = keyof typeof REJECTIONS;
export type ConnectionRefusedReason = keyof typeof CONNECTION_REFUSALS;
export type SessionCutReason = keyof typeof SESSION_CUTS | (typeof SILENT_SESSION_CUTS)[number];

/** A refusal as the client sees it (`<code> <text>`), with what the log and the metric say about it. */
export interface Refusal<R extends string = string> {
  code: number;
  text: string;
  reason: R;
  errorCode: ErrorCode;
}

type TextArgs<E> = E extends { text: (...args: infer A) => string } ? A : [];

function refusalIn<T extends Record<string, Reply<never>>>(entries: T) {
  return <R extends keyof T & string>(reason: R, ...args: TextArgs<T[R]>): Refusal<R> => {
    const { code, text, errorCode } = entries[reason]!;
    return { code, text: typeof text === 'function' ? (text as (...values: unknown[]) => string)(...args) : text, reason, errorCode };
  };
}

/** The refusal of a transaction for `reason`, e.g. `rejection('rate_limited', user)`. */
export const rejection = refusalIn(REJECTIONS);
/** The 421 refusing a connection before the greeting. */
export const connectionRefusalFor = refusalIn(CONNECTION_REFUSALS);
/** The 421 cutting a session off. */
export const sessionCut = refusalIn(SESSION_CUTS);

/** The label values of each refusal counter, in table order. */
export const REFUSAL_LABELS = {
  rejectReason: Object.keys(REJECTIONS) as RejectReason[],
  connectionRefusedReason: Object.keys(CONNECTION_REFUSALS) as ConnectionRefusedReason[],
  sessionCutReason: [...Object.keys(SESSION_CUTS), ...SILENT_SESSION_CUTS] as SessionCutReason[],
};
