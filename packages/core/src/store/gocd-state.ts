import type { KeyPrefix } from './keyspace.js';
import type { Redis } from 'ioredis';
import { groupsSnapshotSchema, type GroupsSnapshot } from '../rules/gocd-groups.js';
import type { StageResult } from '../rules/types.js';
import { redisScript } from '../redis/script.js';
import { storeKeys } from './keys.js';

// Swaps in a stage's new result and returns the previous one. A re-run of the same message
// (a route job retried after a crash) gets the same previous result back, not its own.
const RECORD_STAGE = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
local previous = 'unknown'
if current then
  local ok, record = pcall(cjson.decode, current)
  if ok and type(record) == 'table' then
    if record.id == ARGV[2] then return record.prev end
    previous = record.result or 'unknown'
  end
end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode({ result = ARGV[3], prev = previous, id = ARGV[2], at = tonumber(ARGV[4]) }))
return previous`;

const RESULTS: readonly string[] = ['success', 'failure', 'unknown'];

function asResult(value: unknown): StageResult {
  return typeof value === 'string' && RESULTS.includes(value) ? (value as StageResult) : 'unknown';
}

/**
 * GoCD state shared by every replica: gocd-sync's pipeline-group snapshot (one key, replaced
 * whole, so readers never see half of one) and the last result per pipeline/stage.
 */
export function createGocdState(redis: Redis, prefix: KeyPrefix) {
  const keys = storeKeys(prefix);
  const recordStage = redisScript<unknown>(redis, 'record_stage', 1, RECORD_STAGE);
  return {
    async readSnapshot(): Promise<GroupsSnapshot | null> {
      const text = await redis.get(keys.gocdGroups());
      if (text === null) return null;
      try {
        const parsed = groupsSnapshotSchema.safeParse(JSON.parse(text));
        return parsed.success ? parsed.data : null;
      } catch {
        return null;
      }
    },
    async writeSnapshot(snapshot: GroupsSnapshot): Promise<void> {
      await redis.set(keys.gocdGroups(), JSON.stringify(snapshot));
    },
    /** Records the stage's new result for this message and returns the one before it. */
    async recordStageResult(stage: string, messageId: string, result: StageResult, now = Date.now()): Promise<StageResult> {
      return asResult(await recordStage(keys.gocdStageResults(), stage, messageId, result, String(now)));
    },
    /** The stage's last result without changing it (for explain). */
    async peekStageResult(stage: string): Promise<StageResult | undefined> {
      const text = await redis.hget(keys.gocdStageResults(), stage);
      if (text === null) return undefined;
      try {
        return asResult((JSON.parse(text) as { result?: unknown }).result);
      } catch {
        return undefined;
      }
    },
    /** Seeds results of stages not seen yet (from cctray.xml); returns how many were new. */
    async seedStageResults(results: ReadonlyArray<{ stage: string; result: StageResult }>, now = Date.now()): Promise<number> {
      if (results.length === 0) return 0;
      const multi = redis.multi();
      for (const { stage, result } of results) {
        multi.hsetnx(keys.gocdStageResults(), stage, JSON.stringify({ result, prev: 'unknown', id: 'cctray', at: now }));
      }
      const replies = (await multi.exec()) ?? [];
      return replies.filter(([error, added]) => !error && added === 1).length;
    },
  };
}

export type GocdState = ReturnType<typeof createGocdState>;
