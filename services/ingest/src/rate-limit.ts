import { redisScript, storeKeys, type IngestUser, type KeyPrefix, type RedisFactory } from '@mailsort/core';

type Redis = ReturnType<RedisFactory['connect']>;

// Takes one message of the window if any is left. Check and increment are one step, so
// parallel sessions (on any replica) cannot all pass the check before one of them counts.
const RESERVE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

// Gives a reservation back (never below zero: the window may have expired meanwhile).
const RELEASE = `if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end`;

/** One message taken from a user's window: kept once the message is stored, released when it is not. */
export interface RateReservation {
  release(): Promise<void>;
}

const NOTHING_RESERVED: RateReservation = { release: async () => undefined };

/**
 * Per-user message counts in fixed windows, in Redis so that every ingest replica counts
 * against the same limit. `allows` is the early courtesy check at MAIL FROM; `reserve` is
 * the one that decides, at the end of DATA before the message is stored. A replica that
 * dies between reserve and store costs the user one message of that window, never more.
 */
export function createRateLimiter(redis: Redis, prefix: KeyPrefix, now: () => number = Date.now) {
  const keys = storeKeys(prefix);
  const reserve = redisScript<number>(redis, 'rate_reserve', 1, RESERVE);
  const release = redisScript<unknown>(redis, 'rate_release', 1, RELEASE);
  const windowKey = (user: IngestUser, limit: NonNullable<IngestUser['rate_limit']>) => keys.userRate(user.username, Math.floor(now() / limit.per));
  return {
    async allows(user: IngestUser): Promise<boolean> {
      const limit = user.rate_limit;
      if (!limit) return true;
      return Number(await redis.get(windowKey(user, limit))) < limit.messages;
    },
    /** A reservation, or undefined when the user's window is used up. */
    async reserve(user: IngestUser): Promise<RateReservation | undefined> {
      const limit = user.rate_limit;
      if (!limit) return NOTHING_RESERVED;
      // The key is fixed now: a release after the window turned gives back to the window it took from.
      const key = windowKey(user, limit);
      if (Number(await reserve(key, limit.messages, limit.per)) !== 1) return undefined;
      return { release: async () => void (await release(key)) };
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
