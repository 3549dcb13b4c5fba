import { storeKeys, type IngestUser, type RedisFactory } from '@mailsort/core';

type Redis = ReturnType<RedisFactory['connect']>;

/**
 * Per-user message counts in fixed windows, in Redis so that every ingest replica counts
 * against the same limit. Checked at MAIL FROM, counted when a message is accepted: a refused
 * or abandoned transaction costs nothing.
 */
export function createRateLimiter(redis: Redis, prefix: string, now: () => number = Date.now) {
  const keys = storeKeys(prefix);
  const windowKey = (user: IngestUser, limit: NonNullable<IngestUser['rate_limit']>) => keys.userRate(user.username, Math.floor(now() / limit.per));
  return {
    async allows(user: IngestUser): Promise<boolean> {
      const limit = user.rate_limit;
      if (!limit) return true;
      return Number(await redis.get(windowKey(user, limit))) < limit.messages;
    },
    async count(user: IngestUser): Promise<void> {
      const limit = user.rate_limit;
      if (!limit) return;
      const key = windowKey(user, limit);
      await redis.multi().incr(key).pexpire(key, limit.per).exec();
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
