import { redisScript, storeKeys, type IngestConfig, type KeyPrefix, type RedisFactory } from '@mailsort/core';

type Redis = ReturnType<RedisFactory['connect']>;

/** How long an in-flight check may count against its address if ingest dies during it. */
const IN_FLIGHT_TTL_MS = 60_000;

// Reserves one password check for an address. Failures so far plus checks still running may
// not exceed the limit: otherwise an attacker opening many connections at once would get
// every guess checked before the first failure was counted.
const BEGIN_CHECK = `
if redis.call('EXISTS', KEYS[3]) == 1 then return 'locked' end
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
local running = tonumber(redis.call('GET', KEYS[2]) or '0')
if failures + running >= tonumber(ARGV[1]) then return 'busy' end
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 'allowed'`;

/** Lua that releases a reservation held in `key` (never below zero: the key may have expired). */
const endCheck = (key: string) => `if tonumber(redis.call('GET', ${key}) or '0') > 0 then redis.call('DECR', ${key}) end`;

// Ends a check as a failure: counts it in a window that starts at the first failure; at the
// limit the address is locked out and its count starts over. Returns 1 when this failure
// caused the lockout.
const RECORD_FAILURE = `
${endCheck('KEYS[3]')}
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if count >= tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`;

const RECORD_SUCCESS = `
${endCheck('KEYS[2]')}
redis.call('DEL', KEYS[1])`;

/** `allowed`: check the password, then record the outcome; `locked`: the address is locked out; `busy`: the limit is taken by checks still running. */
type CheckStart = 'allowed' | 'locked' | 'busy';

/**
 * Failed AUTH attempts per client address, kept in Redis so every ingest replica sees the
 * same count and the same lockout. Every password check is reserved first (`beginCheck`)
 * and ended by exactly one of `recordFailure`, `recordSuccess` or `abandonCheck`.
 */
export function createAuthLockout(redis: Redis, prefix: KeyPrefix, auth: IngestConfig['auth']) {
  const keys = storeKeys(prefix);
  const beginCheck = redisScript<CheckStart>(redis, 'auth_begin_check', 3, BEGIN_CHECK);
  const recordFailure = redisScript<number>(redis, 'auth_record_failure', 3, RECORD_FAILURE);
  const recordSuccess = redisScript<unknown>(redis, 'auth_record_success', 2, RECORD_SUCCESS);
  const abandonCheck = redisScript<unknown>(redis, 'auth_abandon_check', 1, endCheck('KEYS[1]'));
  return {
    async beginCheck(address: string): Promise<CheckStart> {
      return beginCheck(keys.authFailures(address), keys.authChecks(address), keys.authLockout(address), auth.max_failures_per_address, IN_FLIGHT_TTL_MS);
    },
    /** Records a failure; true when the address is now locked out. */
    async recordFailure(address: string): Promise<boolean> {
      const locked = await recordFailure(keys.authFailures(address), keys.authLockout(address), keys.authChecks(address), auth.lockout_window, auth.max_failures_per_address, auth.lockout_duration);
      return Number(locked) === 1;
    },
    async recordSuccess(address: string): Promise<void> {
      await recordSuccess(keys.authFailures(address), keys.authChecks(address));
    },
    /** Ends a check that neither failed nor succeeded (the check itself threw). */
    async abandonCheck(address: string): Promise<void> {
      await abandonCheck(keys.authChecks(address));
    },
  };
}

export type AuthLockout = ReturnType<typeof createAuthLockout>;
