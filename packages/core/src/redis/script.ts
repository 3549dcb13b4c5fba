import type { Redis } from 'ioredis';

type ScriptArg = string | number | Buffer;

/**
 * A Lua script sent once and then called by its SHA (EVALSHA, with ioredis falling back to
 * EVAL after a Redis restart), rather than its whole text on every call.
 */
export function redisScript<T>(redis: Redis, name: string, numberOfKeys: number | 'given', lua: string, { buffers = false } = {}): (...keysThenArgs: ScriptArg[]) => Promise<T> {
  const command = `mailsort_${name}`;
  // 'given': the call's first argument is the number of keys (a script over a list of keys).
  if (!(command in redis)) redis.defineCommand(command, numberOfKeys === 'given' ? { lua } : { numberOfKeys, lua });
  // The Buffer variant returns bulk replies as Buffers, for binary values such as a message.
  const call = (redis as unknown as Record<string, (...args: ScriptArg[]) => Promise<T>>)[buffers ? `${command}Buffer` : command]!;
  return (...keysThenArgs) => call.apply(redis, keysThenArgs);
}
