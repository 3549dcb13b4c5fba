import type { Redis } from 'ioredis';
import { redisScript } from '../redis/script.js';
import { parseState, recordFields, type AttemptRecord, type DeliveryState } from '../store/delivery-state.js';
import { storeKeys } from '../store/keys.js';
import type { KeyPrefix } from '../store/keyspace.js';
import type { TraceEvent } from '../store/trace-store.js';
import { acceptMulti } from './accept-multi.js';
import { lifecycleKeys } from './lifecycle-keys.js';
import * as lua from './scripts.js';
import { allowedArg, type DeliveryStateName, type MessageState, type TransitionName } from './transitions.js';

/** A transition its script refused: the state it found is not one it may run from. */
export interface Refused {
  ok: false;
  transition: TransitionName;
  from: MessageState | DeliveryStateName;
}

export type Step<T = object> = ({ ok: true } & T) | Refused;
export type Finished = { left: number; counted: boolean };

export interface LifecycleOptions {
  prefix: KeyPrefix;
  messageTtlMs: number;
  traceTtlMs: number;
}

type Reply = [number | string, ...unknown[]];
const text = (value: unknown) => (Buffer.isBuffer(value) ? value.toString() : String(value));
const event = (trace: TraceEvent | undefined) => (trace ? JSON.stringify(trace) : '');

function step<T extends object>(transition: TransitionName, reply: Reply, done: (reply: Reply) => T): Step<T> {
  if (Number(reply[0]) === 0) return { ok: false, transition, from: text(reply[1]) as Refused['from'] };
  return { ok: true, ...done(reply) };
}

const finished = (reply: Reply): Finished => ({ left: Number(reply[1]), counted: Number(reply[2]) === 1 });

function stateOf(flat: Buffer[]): DeliveryState {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i]!.toString()] = flat[i + 1]!.toString();
  return parseState(hash);
}

/**
 * The one owner of a message's state in Redis (message, delivery count, finished set, ledger,
 * delivery records, trace): every change is one of these transitions, each one script (the
 * accept one MULTI) that checks the state it starts from against TRANSITIONS.
 */
export function createMessageLifecycle(redis: Redis, { prefix, messageTtlMs: ttl, traceTtlMs: traceTtl }: LifecycleOptions) {
  const keys = storeKeys(prefix);
  const run = (name: string, keyCount: number | 'given', body: string, buffers = false) => redisScript<Reply>(redis, `lifecycle_${name}`, keyCount, body, { buffers });
  const scripts = {
    withdraw: run('withdraw', 2, lua.WITHDRAW),
    route: run('route', 3, lua.ROUTE),
    begin: run('begin', 5, lua.BEGIN, true),
    defer: run('defer', 2, lua.DEFER),
    deliver: run('deliver', 6, lua.DELIVER),
    deadLetter: run('dead_letter', 5, lua.DEAD_LETTER),
    retry: run('retry', 3, lua.RETRY),
    delete: run('delete', 6, lua.DELETE),
    replay: run('replay', 'given', lua.REPLAY),
    create: run('create', 4, lua.CREATE),
    fold: run('fold', 6, lua.DELETE),
  };
  const k = lifecycleKeys(keys);
  const fields = (attempt: AttemptRecord) => Object.entries(recordFields(attempt)).flat();

  return {
    /** gone → accepted: the message whole or in parts (see acceptMulti), with the safety-net expiry. */
    accept: (id: string, raw: Buffer | readonly Buffer[]): Promise<void> => acceptMulti(redis, k.accept(id)[0]!, raw, ttl),
    /** accepted | routed → gone: ingest's undo of a store it could not confirm. */
    async withdraw(id: string): Promise<Step> {
      return step('withdraw', await scripts.withdraw(...k.withdraw(id), allowedArg('withdraw')), () => ({}));
    },
    /**
     * accepted → routed with `count` deliveries (before any is enqueued, so a fast sender never
     * sees the message done early), or → gone when there are none (the drop); routed → routed
     * keeps the count (a router re-run: some deliveries may have finished since).
     */
    async route(id: string, count: number, trace?: TraceEvent): Promise<Step<{ outcome: 'routed' | 'rerouted' | 'dropped' }>> {
      const reply = await scripts.route(...k.route(id), allowedArg('route'), count, ttl, event(trace), traceTtl);
      return step('route', reply, ([, outcome]) => ({ outcome: text(outcome) as 'routed' | 'rerouted' | 'dropped' }));
    },
    /** queued | delivering → delivering, reading the record and the message; delivered → counted as finished. */
    async begin(id: string, deliveryId: string, now: number): Promise<Step<{ attempt: { state: DeliveryState; raw: Buffer | null } } | { delivered: Finished }>> {
      const reply = await scripts.begin(...k.begin(id, deliveryId), allowedArg('begin'), deliveryId, now, ttl);
      if (Number(reply[0]) === 2) return { ok: true, delivered: finished(reply) };
      return step('begin', reply, ([, flat, raw]) => ({ attempt: { state: stateOf(flat as Buffer[]), raw: (raw as Buffer | null) ?? null } }));
    },
    /** delivering → delivering: a temporary failure recorded. */
    async defer(deliveryId: string, attempt: AttemptRecord): Promise<Step> {
      return step('defer', await scripts.defer(...k.defer(deliveryId), allowedArg('defer'), ttl, ...fields(attempt)), () => ({}));
    },
    /** → delivered, the first write after the upstream's 250: ledger, record, trace and finished count. */
    async deliver(id: string, deliveryId: string, attempt: AttemptRecord, trace: TraceEvent): Promise<Step<Finished>> {
      const reply = await scripts.deliver(...k.deliver(id, deliveryId), allowedArg('deliver'), deliveryId, ttl, attempt.reply, event(trace), traceTtl, ...fields(attempt));
      return step('deliver', reply, finished);
    },
    /** delivering → dead: the record and the message kept for `keepForMs`. */
    async deadLetter(id: string, deliveryId: string, attempt: AttemptRecord, keepForMs: number, trace: TraceEvent): Promise<Step> {
      const reply = await scripts.deadLetter(...k.deadLetter(id, deliveryId), allowedArg('deadLetter'), keepForMs, event(trace), traceTtl, ...fields(attempt));
      return step('deadLetter', reply, () => ({}));
    },
    /** dead | delivering | queued → delivering with a fresh lifetime (`queue retry`). */
    async retry(id: string, deliveryId: string, trace: TraceEvent): Promise<Step> {
      return step('retry', await scripts.retry(...k.retry(id, deliveryId), allowedArg('retry'), event(trace), traceTtl), () => ({}));
    },
    /** gone → routed: a notification mailsort composed, with its delivery count; refused (with its state) once made. */
    async create(id: string, raw: Buffer, count: number, trace: TraceEvent): Promise<Step> {
      const reply = await scripts.create(...k.create(id), allowedArg('create'), raw, count, ttl, event(trace), traceTtl);
      return step('create', reply, () => ({}));
    },
    /** The grouping part `partId` of a message finished (folded, or carried into a notification); the message goes with its last part. */
    async fold(id: string, partId: string, trace: TraceEvent): Promise<Step<Finished>> {
      const reply = await scripts.fold(...k.fold(id, partId), allowedArg('fold'), partId, ttl, event(trace), traceTtl);
      return step('fold', reply, finished);
    },
    /** dead | delivering | queued → gone, counted as finished (`queue delete`); the message goes with the last. */
    async delete(id: string, deliveryId: string, trace: TraceEvent): Promise<Step<Finished>> {
      const reply = await scripts.delete(...k.delete(id, deliveryId), allowedArg('delete'), deliveryId, ttl, event(trace), traceTtl);
      return step('delete', reply, finished);
    },
    /** routed → accepted: the dead deliveries' records and the counts forgotten (`queue replay`). */
    async replay(id: string, deadDeliveryIds: readonly string[], trace: TraceEvent): Promise<Step> {
      const keyList = k.replay(id, deadDeliveryIds);
      return step('replay', await scripts.replay(keyList.length, ...keyList, allowedArg('replay'), event(trace), traceTtl), () => ({}));
    },
  };
}

export type MessageLifecycle = ReturnType<typeof createMessageLifecycle>;
