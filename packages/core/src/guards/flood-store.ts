import { asKeyspace, type KeyPrefix } from '../store/keyspace.js';
import type { Redis } from 'ioredis';
import { redisScript } from '../redis/script.js';
import type { Destination } from '../queues/payloads.js';
import type { HeldForDigest } from './flood-types.js';

// One window's admission, idempotent per message delivery: a re-run gets the same answer.
// A window its digest has closed takes nothing more: the mail counts in the next window.
// A held mail also records where the bucket's digest goes (in the same call: no second round trip).
// KEYS: admitted(w), held(w), closed(w), admitted(w+1), held(w+1), open index, bucket destination;
// ARGV: delivery id, limit, bypass (1/0), held entry JSON, ttl ms, open member (w), open member (w+1), end of w, end of w+1, destination JSON.
const ADMIT = `
local function admit(admitted, held, member, ends)
  if redis.call('SISMEMBER', admitted, ARGV[1]) == 1 then return 'admitted' end
  if redis.call('HEXISTS', held, ARGV[1]) == 1 then return 'held' end
  local under = redis.call('SCARD', admitted) < tonumber(ARGV[2])
  if under or ARGV[3] == '1' then
    redis.call('SADD', admitted, ARGV[1])
    redis.call('PEXPIRE', admitted, ARGV[5])
    if under then return 'admitted' end
    return 'bypassed'
  end
  redis.call('HSET', held, ARGV[1], ARGV[4])
  redis.call('PEXPIRE', held, ARGV[5])
  redis.call('ZADD', KEYS[6], ends, member)
  redis.call('SET', KEYS[7], ARGV[10], 'PX', ARGV[5])
  return 'held'
end
if redis.call('EXISTS', KEYS[3]) == 1 then return {admit(KEYS[4], KEYS[5], ARGV[7], ARGV[9]), 1} end
return {admit(KEYS[1], KEYS[2], ARGV[6], ARGV[8]), 0}`;

// The digest's read: the window closed and its held mails returned, at once.
// KEYS: closed, held; ARGV: ttl ms.
const CLOSE = `
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
return redis.call('HGETALL', KEYS[2])`;

/** Flood control's buckets in Redis: one per destination (and route), shared by every router replica. */
export function createFloodStore(redis: Redis, keyPrefix: KeyPrefix) {
  const prefix = asKeyspace(keyPrefix).global;
  const key = (bucket: string, window: number, part: string) => `${prefix}:flood:${bucket}:${window}:${part}`;
  const meta = (bucket: string) => `${prefix}:flood:${bucket}:destination`;
  const openIndex = `${prefix}:flood:open`;
  const admitScript = redisScript<[string, number]>(redis, 'flood_admit', 7, ADMIT);
  const closeScript = redisScript<string[]>(redis, 'flood_close', 2, CLOSE);
  return {
    /** `admitted` (send it now), `bypassed` (over the limit, sent now anyway) or `held` (for the digest of `window`). */
    async admit(args: {
      bucket: string;
      window: number;
      perMs: number;
      deliveryId: string;
      limit: number;
      bypass: boolean;
      held: HeldForDigest;
      /** Where the bucket's digest goes: the destination, from mailsort, and how the digest reads. */
      digest: { destination: Destination; attachMax: number; perMs: number; limit: string };
    }): Promise<{ decision: 'admitted' | 'bypassed' | 'held'; window: number }> {
      const { bucket, window, perMs } = args;
      const ttl = 4 * perMs + 3_600_000;
      const [decision, next] = await admitScript(
        key(bucket, window, 'admitted'),
        key(bucket, window, 'held'),
        key(bucket, window, 'closed'),
        key(bucket, window + 1, 'admitted'),
        key(bucket, window + 1, 'held'),
        openIndex,
        meta(bucket),
        args.deliveryId,
        args.limit,
        args.bypass ? 1 : 0,
        JSON.stringify(args.held),
        ttl,
        `${bucket}|${window}`,
        `${bucket}|${window + 1}`,
        (window + 1) * perMs,
        (window + 2) * perMs,
        JSON.stringify(args.digest),
      );
      return { decision: decision as 'admitted' | 'bypassed' | 'held', window: window + Number(next) };
    },
    async destination(bucket: string): Promise<{ destination: Destination; attachMax: number; perMs: number; limit: string } | null> {
      const text = await redis.get(meta(bucket));
      return text ? JSON.parse(text) : null;
    },
    /** Closes the window (later mails count in the next one) and returns what it held. */
    async close(bucket: string, window: number, perMs: number): Promise<HeldForDigest[]> {
      const flat = await closeScript(key(bucket, window, 'closed'), key(bucket, window, 'held'), 4 * perMs + 3_600_000);
      const held: HeldForDigest[] = [];
      for (let i = 1; i < flat.length; i += 2) held.push(JSON.parse(flat[i]!) as HeldForDigest);
      return held;
    },
    async done(bucket: string, window: number): Promise<void> {
      await redis.zrem(openIndex, `${bucket}|${window}`);
    },
    /** Windows with held mail whose end is before `before`: their digest is due. */
    async due(before: number): Promise<Array<{ bucket: string; window: number; endsAt: number }>> {
      const flat = await redis.zrangebyscore(openIndex, '-inf', before, 'WITHSCORES', 'LIMIT', 0, 100);
      const due: Array<{ bucket: string; window: number; endsAt: number }> = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const [bucket, window] = flat[i]!.split('|');
        due.push({ bucket: bucket!, window: Number(window), endsAt: Number(flat[i + 1]) });
      }
      return due;
    },
    /** Mails held now, across every open window, and the buckets holding them. */
    async heldNow(): Promise<{ mails: number; buckets: number }> {
      const open = await redis.zrange(openIndex, 0, -1);
      const counts = await Promise.all(open.map((member) => redis.hlen(key(member.split('|')[0]!, Number(member.split('|')[1]), 'held'))));
      return { mails: counts.reduce((a, b) => a + b, 0), buckets: new Set(open.map((member) => member.split('|')[0])).size };
    },
  };
}

export type FloodStore = ReturnType<typeof createFloodStore>;
