import type { KeyPrefix } from './keyspace.js';
import type { Redis } from 'ioredis';
import { storeKeys } from './keys.js';

/**
 * Raw RFC 822 messages in Redis, one binary-safe key per message, read side. Jobs refer to a
 * message by id; only the message lifecycle (message-state/) stores and deletes them.
 */
export function createMessageStore(redis: Redis, prefix: KeyPrefix) {
  const keys = storeKeys(prefix);
  return {
    async get(id: string): Promise<Buffer | null> {
      return redis.getBuffer(keys.message(id));
    },
    /** Whether a notification with this id was made (its marker outlives the message). */
    async notificationMade(id: string): Promise<boolean> {
      return (await redis.exists(keys.notificationCreated(id))) === 1;
    },
    /** The stored message's size in bytes (0 when there is none), without reading it. */
    async size(id: string): Promise<number> {
      return redis.strlen(keys.message(id));
    },
    async exists(id: string): Promise<boolean> {
      return (await redis.exists(keys.message(id))) === 1;
    },
  };
}

export type MessageStore = ReturnType<typeof createMessageStore>;
