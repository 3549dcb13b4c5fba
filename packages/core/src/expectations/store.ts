import type { KeyPrefix } from '../store/keyspace.js';
import type { Redis } from 'ioredis';
import { redisScript } from '../redis/script.js';
import { storeKeys } from '../store/keys.js';
import type { ExpectationPing } from './match.js';
import type { AlertRecord, InstanceSeen } from './state.js';

/** A forged host name per mail must not grow Redis without end: new instances past this are refused. */
export const MAX_INSTANCES = 10_000;

// A ping only moves the time forward: a route job run again (or late) never turns the clock back.
const RECORD = `
local field = ARGV[1] .. ARGV[2]
if redis.call('HEXISTS', KEYS[1], 's:' .. ARGV[2]) == 0 and redis.call('HEXISTS', KEYS[1], 'f:' .. ARGV[2]) == 0
  and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) * 2 then
  return -1
end
local known = tonumber(redis.call('HGET', KEYS[1], field) or '0')
if known < tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], field, ARGV[3])
  return 1
end
return 0`;

// The checker's transition, taken only from the record it read: a second checker that read the same
// record (its lock ran out) finds it changed and does nothing.
const SWAP = `
local current = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if current ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`;

export interface InstanceState {
  instance: string;
  seen: InstanceSeen;
  record: AlertRecord | undefined;
  /** The record as stored, for compare-and-set ('' when there is none). */
  stored: string;
}

export function createExpectationStore(redis: Redis, prefix: KeyPrefix) {
  const keys = storeKeys(prefix);
  const record = redisScript<number>(redis, 'expect_record', 1, RECORD);
  const swap = redisScript<number>(redis, 'expect_swap', 1, SWAP);
  return {
    /** One ping at `at` (the mail's accept time); false when the instance was refused (too many). */
    async ping(ping: ExpectationPing, at: number): Promise<boolean> {
      const reply = await record(keys.expectSeen(ping.expectation), ping.kind === 'success' ? 's:' : 'f:', ping.instance, Math.floor(at), MAX_INSTANCES);
      return reply !== -1;
    },
    /** Every instance of one expectation: seen by a router, or known to the checker. */
    async read(name: string): Promise<InstanceState[]> {
      const [seenFields, alertFields] = await Promise.all([redis.hgetall(keys.expectSeen(name)), redis.hgetall(keys.expectAlerts(name))]);
      const instances = new Map<string, InstanceState>();
      const get = (instance: string) => {
        const known = instances.get(instance);
        if (known) return known;
        const state: InstanceState = { instance, seen: {}, record: undefined, stored: '' };
        instances.set(instance, state);
        return state;
      };
      for (const [field, value] of Object.entries(seenFields)) {
        const instance = field.slice(2);
        if (field.startsWith('s:')) get(instance).seen.lastSuccess = Number(value);
        else if (field.startsWith('f:')) get(instance).seen.lastFailure = Number(value);
      }
      for (const [instance, value] of Object.entries(alertFields)) {
        const state = get(instance);
        state.stored = value;
        state.record = JSON.parse(value) as AlertRecord;
      }
      return [...instances.values()].sort((a, b) => a.instance.localeCompare(b.instance));
    },
    /** Replaces the record if it is still `stored`; false when another checker moved it first. */
    async swap(name: string, instance: string, stored: string, next: AlertRecord): Promise<boolean> {
      return (await swap(keys.expectAlerts(name), instance, stored, JSON.stringify(next))) === 1;
    },
  };
}

export type ExpectationStore = ReturnType<typeof createExpectationStore>;
