import type { Redis } from 'ioredis';
import { consoleKeys } from './keys.js';

/** One state change made from the console: who, when, what, and what the operation answered. */
export interface AuditEntry {
  at: number;
  user: string;
  role: string;
  /** A dead-letter operation, or a login or logout (refused logins too). */
  action: 'retry' | 'replay' | 'delete' | 'login' | 'logout';
  target: string;
  /** attempted is written before the operation runs, its outcome after (failed: it threw partway). */
  result: 'attempted' | 'done' | 'refused' | 'failed' | 'forbidden';
  /** The operation's exit status (0 done, 1 refused); null before it ran, or when it threw. (`code` in a log line is an error code.) */
  exit: number | null;
  output: string[];
}

export function createAuditLog(redis: Redis, prefix: string, keep: number) {
  const key = consoleKeys(prefix).audit();
  return {
    async append(entry: AuditEntry): Promise<void> {
      await redis
        .multi()
        .lpush(key, JSON.stringify(entry))
        .ltrim(key, 0, keep - 1)
        .exec();
    },
    async recent(count = 100): Promise<AuditEntry[]> {
      return (await redis.lrange(key, 0, count - 1)).map((item) => JSON.parse(item) as AuditEntry);
    },
  };
}
