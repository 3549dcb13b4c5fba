import { connectRedis, ConfigError, createAdminContext, formatProblem, loadConfigFile, type AdminContext, type Config, type Env } from '@mailsort/core';
import type { Io } from '../io.js';
import { parseCommand } from './parse-command.js';

export { ALL_OPEN_TYPES, deliveriesIn, describeDestination, displayState, findDeliveries, QUEUED_TYPES, type DeliveryEntry } from '@mailsort/core';

/** What every `mailsort queue` subcommand works with: the config's Redis, queues and stores (core's admin context). */
export type QueueContext = AdminContext;

export const QUEUE_OPTIONS = {
  config: { type: 'string', short: 'c' },
  state: { type: 'string' },
  'all-failed': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export function parseQueueArgs(args: string[]) {
  return parseCommand(args, QUEUE_OPTIONS, true);
}

export async function openQueueContext(configFile: string | undefined, env: Env, io: Io): Promise<QueueContext | undefined> {
  const file = configFile ?? env.MAILSORT_CONFIG;
  if (!file) {
    io.err('mailsort queue: give --config FILE or set MAILSORT_CONFIG');
    return undefined;
  }
  let config: Config;
  try {
    ({ config } = loadConfigFile(file, env));
  } catch (error) {
    io.err(error instanceof ConfigError ? error.problems.map(formatProblem).join('\n') : (error as Error).message);
    return undefined;
  }
  const redis = connectRedis(config.redis, { maxRetriesPerRequest: 2, connectTimeout: 3000, connectionName: 'mailsort-cli-queue' });
  redis.on('error', () => undefined);
  return createAdminContext(config, redis);
}

export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}
