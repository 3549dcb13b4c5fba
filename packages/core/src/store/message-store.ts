import type { Redis } from 'ioredis';
import { redisScript } from '../redis/script.js';
import { storeKeys } from './keys.js';

const EXPECT_DELIVERIES = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if tonumber(ARGV[1]) == 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
end
return 1`;

/**
 * Raw RFC 822 messages in Redis, one binary-safe key per message, with an expiry as a
 * safety net. Jobs refer to a message by id; the message is deleted when the last of its
 * deliveries finishes (DeliveryStates.finish).
 */
export function createMessageStore(redis: Redis, prefix: string, ttlMs: number) {
  const keys = storeKeys(prefix);
  const expect = redisScript<number>(redis, 'expect_deliveries', 2, EXPECT_DELIVERIES);
  return {
    /**
     * Stores a message given whole or as its parts in order. Parts go out as SET + APPENDs in
     * one MULTI, so a large message is never joined in memory: ioredis copies each command's
     * arguments into its write buffer, and a joined copy would be a third one.
     */
    async put(id: string, raw: Buffer | readonly Buffer[]): Promise<void> {
      const parts = Buffer.isBuffer(raw) ? [raw] : raw;
      if (parts.length <= 1) {
        await redis.set(keys.message(id), parts[0] ?? Buffer.alloc(0), 'PX', ttlMs);
        return;
      }
      const multi = redis.multi().set(keys.message(id), parts[0]!, 'PX', ttlMs);
      for (const part of parts.slice(1)) multi.append(keys.message(id), part);
      const replies = await multi.exec();
      const failed = replies?.find(([error]) => error);
      if (!replies || failed) throw failed?.[0] ?? new Error('MULTI was discarded');
    },
    async get(id: string): Promise<Buffer | null> {
      return redis.getBuffer(keys.message(id));
    },
    async exists(id: string): Promise<boolean> {
      return (await redis.exists(keys.message(id))) === 1;
    },
    /**
     * Records how many deliveries the message will have, before any is enqueued. Returns
     * `routed` the first time; `rerouted` when a router re-runs a message it already routed
     * (the count is kept: some deliveries may have finished since); `gone` when the message
     * no longer exists (all its deliveries finished, it was dropped, or it was never stored
     * because the client was told 451). With a count of 0 the message is deleted: the drop.
     */
    async expectDeliveries(id: string, count: number): Promise<'routed' | 'rerouted' | 'gone'> {
      const answer = await expect(keys.message(id), keys.pending(id), count, ttlMs);
      return answer === 1 ? 'routed' : answer === 0 ? 'rerouted' : 'gone';
    },
    /** Forgets the delivery count, so the next routing of the message (a replay) counts afresh. */
    async forgetDeliveries(id: string): Promise<void> {
      await redis.del(keys.pending(id));
    },
    async delete(id: string): Promise<void> {
      await redis.del(keys.message(id), keys.pending(id));
    },
  };
}

export type MessageStore = ReturnType<typeof createMessageStore>;
