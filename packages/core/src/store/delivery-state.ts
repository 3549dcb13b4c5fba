import type { Redis } from 'ioredis';
import { redisScript } from '../redis/script.js';
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

// Counts one delivery of a message as finished, once per delivery id however often it runs, and
// deletes the message (and its bookkeeping) with the last one.
const FINISH_ONCE = `
if redis.call('SADD', KEYS[3], ARGV[1]) == 0 then
  return {tonumber(redis.call('GET', KEYS[2]) or '0'), 0}
end
redis.call('PEXPIRE', KEYS[3], ARGV[2])
local left = redis.call('DECR', KEYS[2])
if left <= 0 then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
end
return {left, 1}`;

const RECIPIENT_FIELD = 'rcpt:';

function parseState(hash: Record<string, string>): DeliveryState {
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
 * The sender's bookkeeping of deliveries, beside BullMQ's job: what `mailsort queue` shows
 * (attempts, last reply, recipients) and what makes a re-run after a crash send nothing twice.
 */
export function createDeliveryStates(redis: Redis, prefix: string, ttlMs: number) {
  const keys = storeKeys(prefix);
  const finishOnce = redisScript<[number, number]>(redis, 'finish_once', 3, FINISH_ONCE);
  return {
    async get(deliveryId: string): Promise<DeliveryState | undefined> {
      const hash = await redis.hgetall(keys.deliveryState(deliveryId));
      return Object.keys(hash).length === 0 ? undefined : parseState(hash);
    },
    /** Counts an attempt and starts the lifetime clock if it is not running; returns the state. */
    async begin(deliveryId: string, now: number): Promise<DeliveryState> {
      const key = keys.deliveryState(deliveryId);
      const [, , , hash] = await Promise.all([redis.hsetnx(key, 'firstAttemptAt', now), redis.hincrby(key, 'attempts', 1), redis.pexpire(key, ttlMs), redis.hgetall(key)]);
      return parseState(hash);
    },
    async record(deliveryId: string, attempt: AttemptRecord): Promise<void> {
      const key = keys.deliveryState(deliveryId);
      const fields: Record<string, string | number> = {
        lastAttemptAt: attempt.at, lastUpstream: attempt.upstream, lastReply: attempt.reply, result: attempt.result, lastReason: attempt.reason ?? '',
      };
      for (const [address, outcome] of Object.entries(attempt.recipients ?? {})) fields[RECIPIENT_FIELD + address] = JSON.stringify(outcome);
      await Promise.all([redis.hset(key, fields), redis.pexpire(key, ttlMs)]);
    },
    /** A fresh lifetime for `queue retry`: recipients already accepted stay accepted. */
    async restart(deliveryId: string): Promise<void> {
      const key = keys.deliveryState(deliveryId);
      const hash = await redis.hgetall(key);
      const retryable = Object.entries(hash)
        .filter(([field, value]) => field.startsWith(RECIPIENT_FIELD) && (JSON.parse(value) as RecipientOutcome).status !== 'accepted')
        .map(([field]) => field);
      // A full schedule again: the delays are chosen by the attempt count.
      await Promise.all([redis.hdel(key, 'firstAttemptAt', 'result', ...retryable), redis.hset(key, 'attempts', 0)]);
    },
    async keep(deliveryId: string, ms: number): Promise<void> {
      await redis.pexpire(keys.deliveryState(deliveryId), ms);
    },
    async delete(deliveryId: string): Promise<void> {
      await redis.del(keys.deliveryState(deliveryId));
    },
    /**
     * Counts the delivery as finished (delivered, or deleted by an operator). Idempotent per
     * delivery id; deletes the message with the last one. Returns how many are left.
     */
    async finish(id: string, deliveryId: string): Promise<{ left: number; counted: boolean }> {
      const [left, counted] = await finishOnce(keys.message(id), keys.pending(id), keys.finished(id), deliveryId, ttlMs);
      return { left: Number(left), counted: counted === 1 };
    },
    /** Forgets which deliveries were counted, before a replay routes the message again. */
    async forgetFinished(id: string): Promise<void> {
      await redis.del(keys.finished(id));
    },
    /** A dead letter keeps its message for inspection and replay this long. */
    async keepMessage(id: string, ms: number): Promise<void> {
      await Promise.all([redis.pexpire(keys.message(id), ms), redis.pexpire(keys.pending(id), ms)]);
    },
  };
}

export type DeliveryStates = ReturnType<typeof createDeliveryStates>;
