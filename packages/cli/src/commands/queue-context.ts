import type { Job, JobType, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  ConfigError,
  createDeliveryStates,
  createMessageLifecycle,
  createMessageStore,
  connectRedis,
  createShardQueues,
  deliverJobSchema,
  formatProblem,
  isMessageId,
  keyspaceOf,
  loadConfigFile,
  QUEUES,
  type Config,
  type DeliverJob,
  type Env,
  type ShardQueues,
} from '@mailsort/core';
import type { Io } from '../io.js';
import { parseCommand } from './parse-command.js';

/** What every `mailsort queue` subcommand works with: the config's Redis, queues and stores. */
export interface QueueContext {
  config: Config;
  redis: Redis;
  /** Every shard's queue (redis.shards): a job is looked for in all, or in the one its id names. */
  deliver: ShardQueues;
  route: ShardQueues;
  store: ReturnType<typeof createMessageStore>;
  states: ReturnType<typeof createDeliveryStates>;
  /** The only way the queue commands change a message's state. */
  lifecycle: ReturnType<typeof createMessageLifecycle>;
  close(): Promise<void>;
}

export interface DeliveryEntry {
  job: Job;
  data: DeliverJob;
  state: string;
}

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
  const prefix = keyspaceOf(config.redis);
  const deliver = createShardQueues(QUEUES.deliver, redis, prefix);
  const route = createShardQueues(QUEUES.route, redis, prefix);
  return {
    config,
    redis,
    deliver,
    route,
    store: createMessageStore(redis, prefix),
    states: createDeliveryStates(redis, prefix),
    lifecycle: createMessageLifecycle(redis, { prefix, messageTtlMs: config.redis.message_ttl, traceTtlMs: config.redis.trace_ttl }),
    async close() {
      await Promise.allSettled([deliver.close(), route.close()]);
      redis.disconnect();
    },
  };
}

const PAGE = 500;

/** Every deliver job in the given states, in every shard (or in the one queue given), oldest first, with its parsed payload. */
export async function deliveriesIn(queues: ShardQueues | Queue, types: JobType[]): Promise<DeliveryEntry[]> {
  if ('all' in queues) {
    const perShard = await Promise.all(queues.all.map((queue) => deliveriesIn(queue, types)));
    return queues.all.length === 1 ? perShard[0]! : perShard.flat().sort((a, b) => a.job.timestamp - b.job.timestamp);
  }
  const queue = queues;
  const entries: DeliveryEntry[] = [];
  for (const type of types) {
    for (let start = 0; ; start += PAGE) {
      const jobs = await queue.getJobs([type], start, start + PAGE - 1, true);
      for (const job of jobs) {
        const parsed = deliverJobSchema.safeParse(job?.data);
        if (job && parsed.success) entries.push({ job, data: parsed.data, state: type });
      }
      if (jobs.length < PAGE) break;
    }
  }
  return entries;
}

export const QUEUED_TYPES: JobType[] = ['waiting', 'prioritized', 'active'];
export const ALL_OPEN_TYPES: JobType[] = [...QUEUED_TYPES, 'delayed', 'failed'];

/** A delivery id names one delivery; a message id (M…) names all of that message's deliveries in the queue. */
export async function findDeliveries(context: QueueContext, target: string, types: JobType[] = ALL_OPEN_TYPES): Promise<DeliveryEntry[]> {
  // A message's deliveries are all in its shard, which its id (and each delivery id) names.
  if (isMessageId(target)) return (await deliveriesIn(context.deliver.forId(target), types)).filter((entry) => entry.data.id === target);
  const job = await context.deliver.forId(target).getJob(target);
  if (!job) return [];
  const parsed = deliverJobSchema.safeParse(job.data);
  if (!parsed.success) return [];
  const state = await job.getState();
  return types.includes(state as JobType) ? [{ job, data: parsed.data, state }] : [];
}

export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

/** Where a delivery goes, for people: never a webhook URL (it is a secret). */
export function describeDestination(data: DeliverJob): string {
  const { destination } = data;
  return destination.kind === 'smtp' ? `${destination.upstream}: ${destination.envelope.to.join(',')}` : `webhook (${destination.format}, ${destination.style})`;
}

export function displayState(state: string): string {
  return state === 'waiting' || state === 'prioritized' || state === 'paused' || state === 'wait' ? 'queued' : state;
}
