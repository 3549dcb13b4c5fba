import type { KeyPrefix } from './keyspace.js';
import type { Redis } from 'ioredis';
import { storeKeys } from './keys.js';

/**
 * What happened to a message, readable by `mailsort trace <id>`: one JSON event per step,
 * appended by the message lifecycle in the same script as the step. The CLI's events name
 * the command (`queue replay`).
 */
export interface TraceEvent {
  at: number;
  service: 'ingest' | 'router' | 'sender' | 'cli' | 'console';
  event: string;
  command?: string;
  [detail: string]: unknown;
}

export function createTraceStore(redis: Redis, prefix: KeyPrefix) {
  const keys = storeKeys(prefix);
  return {
    async read(id: string): Promise<TraceEvent[]> {
      const items = await redis.lrange(keys.trace(id), 0, -1);
      return items.map((item) => JSON.parse(item) as TraceEvent);
    },
  };
}
