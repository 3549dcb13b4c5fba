import type { Redis } from 'ioredis';
import { storeKeys } from './keys.js';

/**
 * Raw RFC 822 messages in Redis, one binary-safe key per message, with an expiry as a
 * safety net. Jobs refer to a message by id; the message is deleted when the last of its
 * deliveries finishes (DeliveryStates.finish).
 */
export function createMessageStore(redis: Redis, prefix: string, ttlMs: number) {
  const keys = storeKeys(prefix);
  return {
    async put(id: string, raw: Buffer): Promise<void> {
      await redis.set(keys.message(id), raw, 'PX', ttlMs);
    },
    async get(id: string): Promise<Buffer | null> {
      return redis.getBuffer(keys.message(id));
    },
    async exists(id: string): Promise<boolean> {
      return (await redis.exists(keys.message(id))) === 1;
    },
    /** Idempotent: a router re-running the same message sets the same count. */
    async expectDeliveries(id: string, count: number): Promise<void> {
      if (count === 0) {
        await redis.del(keys.message(id), keys.pending(id));
        return;
      }
      await redis.set(keys.pending(id), count, 'PX', ttlMs);
    },
    async delete(id: string): Promise<void> {
      await redis.del(keys.message(id), keys.pending(id));
    },
  };
}

export type MessageStore = ReturnType<typeof createMessageStore>;
