import type { KeyPrefix } from '../../store/keyspace.js';
import type { Redis } from 'ioredis';
import { redisScript } from '../../redis/script.js';
import { storeKeys } from '../../store/keys.js';
import type { GroupState } from './types.js';

// Compare-and-set: the state is written only over the version it was read at, so router
// replicas deciding about one group at once never lose each other's change (the loser re-reads).
const COMPARE_AND_SET = `
local version = redis.call('HGET', KEYS[1], 'version') or '0'
if version ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'version', tonumber(version) + 1, 'state', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if ARGV[4] == '' then redis.call('ZREM', KEYS[2], ARGV[5]) else redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5]) end
return 1`;

// Only when the state is really gone: a group written since keeps its place.
const FORGET_EXPIRED = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
return redis.call('ZREM', KEYS[2], ARGV[1])`;

export interface StoredGroup {
  state: GroupState;
  version: string;
}

/** Alert groups in Redis: read, then write only if nobody wrote in between. */
export function createGroupStore(redis: Redis, prefix: KeyPrefix) {
  const keys = storeKeys(prefix);
  const compareAndSet = redisScript<number>(redis, 'alert_group_cas', 2, COMPARE_AND_SET);
  const forgetExpired = redisScript<number>(redis, 'alert_group_forget', 2, FORGET_EXPIRED);
  return {
    async read(groupId: string): Promise<StoredGroup | null> {
      const [version, state] = await redis.hmget(keys.alertGroup(groupId), 'version', 'state');
      if (!version || !state) return null;
      return { version, state: JSON.parse(state) as GroupState };
    },
    /** False when another writer got there first: read again and decide again. */
    async write(groupId: string, readVersion: string | null, state: GroupState, ttlMs: number): Promise<boolean> {
      const due = state.dueAt === null && state.pending === null ? '' : String(state.pending ? Math.min(state.pending.at, state.dueAt ?? Number.POSITIVE_INFINITY) : state.dueAt);
      return (await compareAndSet(keys.alertGroup(groupId), keys.alertGroupsDue(), readVersion ?? '0', JSON.stringify(state), ttlMs, due, groupId)) === 1;
    },
    /** Groups whose flush was due before `before`, oldest first. */
    async dueBefore(before: number, limit: number): Promise<Array<{ groupId: string; dueAt: number }>> {
      const flat = await redis.zrangebyscore(keys.alertGroupsDue(), '-inf', before, 'WITHSCORES', 'LIMIT', 0, limit);
      const due: Array<{ groupId: string; dueAt: number }> = [];
      for (let i = 0; i + 1 < flat.length; i += 2) due.push({ groupId: flat[i]!, dueAt: Number(flat[i + 1]) });
      return due;
    },
    async oldestDue(): Promise<number | null> {
      const [, score] = await redis.zrange(keys.alertGroupsDue(), 0, 0, 'WITHSCORES');
      return score === undefined ? null : Number(score);
    },
    /** A group whose state expired leaves the due index (nothing is left to flush). */
    async forget(groupId: string): Promise<void> {
      await forgetExpired(keys.alertGroup(groupId), keys.alertGroupsDue(), groupId);
    },
    async open(): Promise<number> {
      return redis.zcard(keys.alertGroupsDue());
    },
  };
}

export type GroupStore = ReturnType<typeof createGroupStore>;
