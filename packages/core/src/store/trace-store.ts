import type { Redis } from 'ioredis';
import { storeKeys } from './keys.js';

/** What happened to a message, readable by `mailsort trace <id>`: one JSON event per step. */
export interface TraceEvent {
  at: number;
  service: 'ingest' | 'router' | 'sender';
  event: string;
  [detail: string]: unknown;
}

export function createTraceStore(redis: Redis, prefix: string, ttlMs: number) {
  const keys = storeKeys(prefix);
  return {
    async append(id: string, event: TraceEvent): Promise<void> {
      await Promise.all([redis.rpush(keys.trace(id), JSON.stringify(event)), redis.pexpire(keys.trace(id), ttlMs)]);
    },
    async read(id: string): Promise<TraceEvent[]> {
      const items = await redis.lrange(keys.trace(id), 0, -1);
      return items.map((item) => JSON.parse(item) as TraceEvent);
    },
  };
}

export type TraceStore = ReturnType<typeof createTraceStore>;
