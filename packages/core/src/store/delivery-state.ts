import type { KeyPrefix } from './keyspace.js';
import type { Redis } from 'ioredis';
import { storeKeys } from './keys.js';

/** Where a delivery stands: `deferred` will be retried; the others are final. */
export type DeliveryResult = 'delivered' | 'deferred' | 'failed' | 'partial' | 'expired';

/** What one recipient of a delivery got: accepted and rejected are final, deferred is retried. */
export interface RecipientOutcome {
  status: 'accepted' | 'rejected' | 'deferred';
  reply: string;
  upstream: string;
  at: number;
}

export interface DeliveryState {
  attempts: number;
  /** The retry lifetime counts from here; `mailsort queue retry` of a failed delivery restarts it. */
  firstAttemptAt: number | undefined;
  lastAttemptAt: number | undefined;
  lastUpstream: string | undefined;
  /** The upstream's last reply (or the connection/TLS error), as it was said. */
  lastReply: string | undefined;
  /** The classifier's reason for the last failure (e.g. `rejected`, `connection`, `tls`). */
  lastReason: string | undefined;
  result: DeliveryResult | undefined;
  recipients: Record<string, RecipientOutcome>;
}

export interface AttemptRecord {
  at: number;
  upstream: string;
  reply: string;
  reason?: string;
  result: DeliveryResult;
  recipients?: Record<string, RecipientOutcome>;
}

const RECIPIENT_FIELD = 'rcpt:';

/** A delivery's record as hash fields (recipients one field each), as the lifecycle writes it. */
export function recordFields(attempt: AttemptRecord): Record<string, string | number> {
  const fields: Record<string, string | number> = {
    lastAttemptAt: attempt.at,
    lastUpstream: attempt.upstream,
    lastReply: attempt.reply,
    result: attempt.result,
    lastReason: attempt.reason ?? '',
  };
  for (const [address, outcome] of Object.entries(attempt.recipients ?? {})) fields[RECIPIENT_FIELD + address] = JSON.stringify(outcome);
  return fields;
}

/** A delivery's record from its hash fields. */
export function parseState(hash: Record<string, string>): DeliveryState {
  const number = (field: string) => (hash[field] === undefined ? undefined : Number(hash[field]));
  const recipients: Record<string, RecipientOutcome> = {};
  for (const [field, value] of Object.entries(hash)) {
    if (field.startsWith(RECIPIENT_FIELD)) recipients[field.slice(RECIPIENT_FIELD.length)] = JSON.parse(value) as RecipientOutcome;
  }
  return {
    attempts: number('attempts') ?? 0,
    firstAttemptAt: number('firstAttemptAt'),
    lastAttemptAt: number('lastAttemptAt'),
    lastUpstream: hash.lastUpstream,
    lastReply: hash.lastReply,
    lastReason: hash.lastReason,
    result: hash.result as DeliveryResult | undefined,
    recipients,
  };
}

/**
 * The record of each delivery beside BullMQ's job, read side: what `mailsort queue` shows
 * (attempts, last reply, recipients). Only the message lifecycle writes it.
 */
export function createDeliveryStates(redis: Redis, prefix: KeyPrefix) {
  const keys = storeKeys(prefix);
  return {
    async get(deliveryId: string): Promise<DeliveryState | undefined> {
      const hash = await redis.hgetall(keys.deliveryState(deliveryId));
      return Object.keys(hash).length === 0 ? undefined : parseState(hash);
    },
  };
}

export type DeliveryStates = ReturnType<typeof createDeliveryStates>;
