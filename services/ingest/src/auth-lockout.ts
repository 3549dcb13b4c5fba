import { storeKeys, type IngestConfig, type RedisFactory } from '@mailsort/core';

type Redis = ReturnType<RedisFactory['connect']>;

// Counts one failure in a window that starts at the first failure; at the limit the address
// is locked out and its count starts over. Returns 1 when this failure caused the lockout.
const RECORD_FAILURE = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if count >= tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`;

/**
 * Failed AUTH attempts per client address, kept in Redis so every ingest replica sees the
 * same count and the same lockout.
 */
export function createAuthLockout(redis: Redis, prefix: string, auth: IngestConfig['auth']) {
  const keys = storeKeys(prefix);
  return {
    async isLockedOut(address: string): Promise<boolean> {
      return (await redis.exists(keys.authLockout(address))) === 1;
    },
    /** Records a failure; true when the address is now locked out. */
    async recordFailure(address: string): Promise<boolean> {
      const locked = await redis.eval(RECORD_FAILURE, 2, keys.authFailures(address), keys.authLockout(address), auth.lockout_window, auth.max_failures_per_address, auth.lockout_duration);
      return Number(locked) === 1;
    },
    async recordSuccess(address: string): Promise<void> {
      await redis.del(keys.authFailures(address));
    },
  };
}

export type AuthLockout = ReturnType<typeof createAuthLockout>;
