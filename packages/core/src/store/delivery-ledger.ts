import type { Redis } from 'ioredis';
import { storeKeys } from './keys.js';

/**
 * Remembers deliveries the upstream accepted, so a sender that crashed between the
 * upstream's 250 and the job ack does not send the same delivery again.
 */
export function createDeliveryLedger(redis: Redis, prefix: string, ttlMs: number) {
  const keys = storeKeys(prefix);
  return {
    async wasDelivered(deliveryId: string): Promise<boolean> {
      return (await redis.exists(keys.delivered(deliveryId))) === 1;
    },
    async markDelivered(deliveryId: string, reply: string): Promise<void> {
      await redis.set(keys.delivered(deliveryId), reply, 'PX', ttlMs);
    },
  };
}

export type DeliveryLedger = ReturnType<typeof createDeliveryLedger>;
