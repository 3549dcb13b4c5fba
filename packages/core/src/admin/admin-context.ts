import type { Job, JobType, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema/index.js';
import { isMessageId } from '../ids.js';
import { createMessageLifecycle } from '../message-state/message-lifecycle.js';
import { QUEUES } from '../queues/catalogue.js';
import { createShardQueues, type ShardQueues } from '../queues/shard-queues.js';
import { deliverJobSchema, type DeliverJob } from '../queues/payloads.js';
import { createDeliveryStates } from '../store/delivery-state.js';
import { createMessageStore } from '../store/message-store.js';
import { keyspaceOf } from '../store/keyspace.js';

/**
 * What the operator's operations (the CLI's `queue` commands and the console) work with: the
 * config's queues and stores. The lifecycle is the only way they change a message's state.
 */
export interface AdminContext {
  config: Config;
  redis: Redis;
  /** Every shard's queue (redis.shards): a job is looked for in all, or in the one its id names. */
  deliver: ShardQueues;
  route: ShardQueues;
  store: ReturnType<typeof createMessageStore>;
  states: ReturnType<typeof createDeliveryStates>;
  lifecycle: ReturnType<typeof createMessageLifecycle>;
  close(): Promise<void>;
}

/** Where an operation says what it did (the CLI's stdout/stderr; the console's answer page). */
export interface AdminReport {
  out(text: string): void;
  err(text: string): void;
}

/** Who changes state, for the trace: the CLI command, or a console user. */
export interface Actor {
  service: 'cli' | 'console';
  /** The trace's `command` for an operation: `queue replay` for the CLI, `console replay` for the console. */
  command(operation: 'retry' | 'delete' | 'replay'): string;
  user?: string;
}

export const CLI_ACTOR: Actor = { service: 'cli', command: (operation) => `queue ${operation}` };

export function consoleActor(user: string): Actor {
  return { service: 'console', command: (operation) => `console ${operation}`, user };
}

export interface DeliveryEntry {
  job: Job;
  data: DeliverJob;
  state: string;
}

/** The queues and stores of `config`, on a connection the caller made (and the context closes). */
export function createAdminContext(config: Config, redis: Redis): AdminContext {
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

/**
 * Every deliver job id is `d-…` (catalogue's jobId) and, as every BullMQ id, has no ':'. A job
 * is read from `<queue prefix>:<id>`, so any other word names one of the queue's own keys
 * (`failed`, `meta`, `wait`, …) or a job's sub-key, which getJob reads as a job or fails on.
 */
const isDeliveryId = (target: string) => /^d-[^:]+$/.test(target);

/** A delivery id names one delivery; a message id (M…) names all of that message's deliveries in the queue. */
export async function findDeliveries(context: AdminContext, target: string, types: JobType[] = ALL_OPEN_TYPES): Promise<DeliveryEntry[]> {
  // A message's deliveries are all in its shard, which its id (and each delivery id) names.
  if (isMessageId(target)) return (await deliveriesIn(context.deliver.forId(target), types)).filter((entry) => entry.data.id === target);
  if (!isDeliveryId(target)) return [];
  const job = await context.deliver.forId(target).getJob(target);
  if (!job) return [];
  const parsed = deliverJobSchema.safeParse(job.data);
  if (!parsed.success) return [];
  const state = await job.getState();
  return types.includes(state as JobType) ? [{ job, data: parsed.data, state }] : [];
}

/** Where a delivery goes, for people: never a webhook URL (it is a secret). */
export function describeDestination(data: DeliverJob): string {
  const { destination } = data;
  return destination.kind === 'smtp' ? `${destination.upstream}: ${destination.envelope.to.join(',')}` : `webhook (${destination.format}, ${destination.style})`;
}

export function displayState(state: string): string {
  return state === 'waiting' || state === 'prioritized' || state === 'paused' || state === 'wait' ? 'queued' : state;
}
