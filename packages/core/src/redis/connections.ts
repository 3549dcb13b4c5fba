import { Redis, type RedisOptions } from 'ioredis';

export type RedisRole = 'producer' | 'worker' | 'store';

const ROLE_OPTIONS: Record<RedisRole, RedisOptions> = {
  // A producer answers an SMTP client: when Redis is away the command must fail now (so the
  // client hears 451 and retries), not wait in an offline queue.
  producer: { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 3000 },
  // A worker has no one waiting on it: it blocks until Redis is back, as BullMQ requires.
  worker: { enableOfflineQueue: true, maxRetriesPerRequest: null },
  // The stores of a worker process (message, ledger, delivery states, traces): waits like a
  // worker, and auto-pipelines, so the commands concurrent jobs issue in one tick leave in one
  // write. Auto-pipelining defers single commands to the next turn of the event loop but
  // writes a MULTI at once, so code on a store connection uses no MULTI (only single commands
  // and Lua scripts): then commands reach Redis in the order they were issued, which the
  // stores rely on (the ledger entry before the delivery is counted finished). BullMQ gets
  // other connections: it uses MULTI, and the scripts it defines make every MULTI costly.
  store: { enableOfflineQueue: true, maxRetriesPerRequest: null },
};

export interface RedisFactoryOptions {
  url: string;
  /** Shown in `CLIENT LIST`, to tell the services apart. */
  name: string;
}

/** Makes ioredis connections with the two roles BullMQ needs, and closes them all at the end. */
export function createRedisFactory({ url, name }: RedisFactoryOptions) {
  const connections: Redis[] = [];
  return {
    connect(role: RedisRole): Redis {
      const redis = new Redis(url, {
        ...ROLE_OPTIONS[role],
        connectionName: `mailsort-${name}-${role}`,
        // A producer retries briskly: until it reconnects, ingest can only answer 451.
        retryStrategy: (times) => (role === 'producer' ? Math.min(times * 50, 250) : Math.min(times * 200, 2000)),
        lazyConnect: false,
      });
      // Errors surface through commands and readiness; an unhandled 'error' event would crash.
      redis.on('error', () => undefined);
      connections.push(redis);
      return redis;
    },
    allReady(): boolean {
      return connections.every((redis) => redis.status === 'ready');
    },
    async quitAll(): Promise<void> {
      await Promise.allSettled(
        connections.map(async (redis) => {
          if (redis.status === 'end') return;
          try {
            await redis.quit();
          } catch {
            redis.disconnect();
          }
        }),
      );
    },
  };
}

export type RedisFactory = ReturnType<typeof createRedisFactory>;
