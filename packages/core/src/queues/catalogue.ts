import { Queue, type ConnectionOptions, type DefaultJobOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { MailsortError } from '../errors.js';
import { deliverJobSchema, routeJobSchema, type DeliverJob, type RouteJob } from './payloads.js';

/** Every queue mailsort has; no queue name is written anywhere else. */
export const QUEUES = {
  route: 'route',
  deliver: 'deliver',
  gocdSync: 'gocd-sync',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const QUEUE_PAYLOADS = {
  route: routeJobSchema,
  deliver: deliverJobSchema,
} as const;

// Finished jobs are kept briefly for `mailsort queue` and then trimmed; failed ones stay until
// an operator retries or deletes them (dead letters).
const KEEP_COMPLETED = { age: 3600, count: 10_000 };

export const DEFAULT_JOB_OPTIONS: Record<'route' | 'deliver', DefaultJobOptions> = {
  route: {
    attempts: 20,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: false,
  },
  deliver: {
    attempts: 1_000_000,
    backoff: { type: 'delivery' },
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: false,
  },
};

/**
 * Job ids are deterministic per stage so that a stage re-run after a crash adds nothing new.
 * BullMQ refuses ids containing ':' and ids that are all digits; every id starts with a
 * stage letter, and ':' is replaced.
 */
export function jobId(stage: 'route' | 'deliver', ...parts: Array<string | number>): string {
  return [stage === 'route' ? 'r' : 'd', ...parts].join('-').replaceAll(':', '_');
}

export function parseJob<S extends z.ZodType>(schema: S, job: Pick<Job, 'id' | 'data' | 'queueName'>): z.output<S> {
  const result = schema.safeParse(job.data);
  if (!result.success) {
    throw new MailsortError('JOB_INVALID', `job ${job.id} on ${job.queueName} is not a valid payload: ${result.error.message}`);
  }
  return result.data;
}

export function createQueue(name: QueueName, connection: Redis | ConnectionOptions, prefix: string): Queue {
  const defaults = name === QUEUES.route ? DEFAULT_JOB_OPTIONS.route : name === QUEUES.deliver ? DEFAULT_JOB_OPTIONS.deliver : {};
  return new Queue(name, { connection: connection as ConnectionOptions, prefix, defaultJobOptions: defaults });
}

export type { RouteJob, DeliverJob };
