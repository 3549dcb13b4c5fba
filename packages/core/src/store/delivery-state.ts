import type { Redis } from 'ioredis';
import { redisScript } from '../redis/script.js';
import { storeKeys } from './keys.js';
import type { TraceEvent } from './trace-store.js';

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

// After an upstream's 250, in one atomic call: the ledger entry (so the delivery is never sent
// again), the attempt record, the trace event, and then FINISH_ONCE's count.
// KEYS 4..6: ledger, state, trace; ARGV 3..5: reply, trace event, trace ttl; ARGV 6..: fields.
const DELIVERED = `
redis.call('SET', KEYS[4], ARGV[3], 'PX', ARGV[2])
redis.call('HSET', KEYS[5], unpack(ARGV, 6))
redis.call('PEXPIRE', KEYS[5], ARGV[2])
redis.call('RPUSH', KEYS[6], ARGV[4])
redis.call('PEXPIRE', KEYS[6], ARGV[5])
${FINISH_ONCE}`;

// Before an attempt, in one call: whether the ledger has the delivery, the attempt counted
// and the state read back, and the stored message (binary).
// KEYS: ledger, state, message; ARGV: now, ttl.
const BEGIN = `
local delivered = redis.call('EXISTS', KEYS[1])
redis.call('HSETNX', KEYS[2], 'firstAttemptAt', ARGV[1])
redis.call('HINCRBY', KEYS[2], 'attempts', 1)
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return {delivered, redis.call('HGETALL', KEYS[2]), redis.call('GET', KEYS[3])}`;

function recordFields(attempt: AttemptRecord): Record<string, string | number> {
  const fields: Record<string, string | number> = {
    lastAttemptAt: attempt.at, lastUpstream: attempt.upstream, lastReply: attempt.reply, result: attempt.result, lastReason: attempt.reason ?? '',
  };
  for (const [address, outcome] of Object.entries(attempt.recipients ?? {})) fields[RECIPIENT_FIELD + address] = JSON.stringify(outcome);
  return fields;
}

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
export function createDeliveryStates(redis: Redis, prefix: string, ttlMs: number, traceTtlMs: number = ttlMs) {
  const keys = storeKeys(prefix);
  const finishOnce = redisScript<[number, number]>(redis, 'finish_once', 3, FINISH_ONCE);
  const delivered = redisScript<[number, number]>(redis, 'delivered', 6, DELIVERED);
  const beginAttempt = redisScript<[number, Buffer[], Buffer | null]>(redis, 'begin_attempt', 3, BEGIN, { buffers: true });
  return {
    async get(deliveryId: string): Promise<DeliveryState | undefined> {
      const hash = await redis.hgetall(keys.deliveryState(deliveryId));
      return Object.keys(hash).length === 0 ? undefined : parseState(hash);
    },
    /** Counts an attempt and starts the lifetime clock if it is not running; returns the state. */
    /**
     * Counts an attempt (starting the lifetime clock if it is not running) and reads, in the
     * same call, whether the ledger already has the delivery and the stored message.
     */
    async begin(id: string, deliveryId: string, now: number): Promise<{ delivered: boolean; state: DeliveryState; raw: Buffer | null }> {
      const [delivered, flat, raw] = await beginAttempt(keys.delivered(deliveryId), keys.deliveryState(deliveryId), keys.message(id), now, ttlMs);
      const hash: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i]!.toString()] = flat[i + 1]!.toString();
      return { delivered: Number(delivered) === 1, state: parseState(hash), raw };
    },
    async record(deliveryId: string, attempt: AttemptRecord): Promise<void> {
      const key = keys.deliveryState(deliveryId);
      await Promise.all([redis.hset(key, recordFields(attempt)), redis.pexpire(key, ttlMs)]);
    },
    /**
     * The bookkeeping of an accepted delivery in one round trip, atomically: ledger entry,
     * attempt record, trace event, and the finish count (deleting the message with the last).
     */
    async recordDelivered(id: string, deliveryId: string, attempt: AttemptRecord, trace: TraceEvent): Promise<{ left: number; counted: boolean }> {
      const fields = Object.entries(recordFields(attempt)).flat();
      const [left, counted] = await delivered(
        keys.message(id), keys.pending(id), keys.finished(id), keys.delivered(deliveryId), keys.deliveryState(deliveryId), keys.trace(id),
        deliveryId, ttlMs, attempt.reply, JSON.stringify(trace), traceTtlMs, ...fields,
      );
      return { left: Number(left), counted: counted === 1 };
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
