import { Queue, UnrecoverableError, type ConnectionOptions, type DefaultJobOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { DeliverJob, RouteJob } from './payloads.js';
import { observeBullmq } from '../redis/watch-connection.js';

/** Every queue mailsort has; no queue name is written anywhere else. */
export const QUEUES = {
  route: 'route',
  deliver: 'deliver',
  /** Alert-group flushes (docs/alerts.md), delayed until each group's due time. */
  alertFlush: 'alert-flush',
  /** Flood-control digests (docs/guards.md), delayed until each window's end. */
  floodDigest: 'flood-digest',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

// A completed job is removed at once: keeping it costs every job a trim of the completed set
// (measured: ~7 % of the whole pipeline's CPU), and where a message went is kept anyway by
// the trace store and the delivery records (`mailsort trace`). Failed jobs stay until an
// operator retries or deletes them (dead letters).
const REMOVE_ON_COMPLETE = true;

/**
 * Routing fails only when Redis misbehaves or on a bug (a rule problem never fails the job):
 * 12 attempts 1 s, 2 s … 1024 s apart end within ~34 minutes, far inside redis.message_ttl,
 * as a dead letter `mailsort queue list` shows with its code.
 */
export const ROUTE_ATTEMPTS = 12;

export const DEFAULT_JOB_OPTIONS: Record<'route' | 'deliver' | 'alertFlush' | 'floodDigest', DefaultJobOptions> = {
  route: {
    attempts: ROUTE_ATTEMPTS,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: REMOVE_ON_COMPLETE,
    removeOnFail: false,
  },
  // A flush or a digest fails only when Redis does; the router's sweep re-adds one that ran out of attempts.
  alertFlush: {
    attempts: ROUTE_ATTEMPTS,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: REMOVE_ON_COMPLETE,
    removeOnFail: false,
  },
  floodDigest: {
    attempts: ROUTE_ATTEMPTS,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: REMOVE_ON_COMPLETE,
    removeOnFail: false,
  },
  deliver: {
    attempts: 1_000_000,
    backoff: { type: 'delivery' },
    removeOnComplete: REMOVE_ON_COMPLETE,
    removeOnFail: false,
  },
};

/**
 * Worker settings so that the jobs of a process that was killed come back to another worker
 * after `stalledAfterMs`, however often that happens: BullMQ's default fails a job stalled
 * twice, which would fail a message no delivery attempt ever failed.
 */
export function crashRecovery(stalledAfterMs: number) {
  return { lockDuration: stalledAfterMs, stalledInterval: stalledAfterMs, maxStalledCount: 1000 };
}

/**
 * Job ids are deterministic per stage so that a stage re-run after a crash adds nothing new.
 * BullMQ refuses ids containing ':' and ids that are all digits; every id starts with a
 * stage letter, and ':' is replaced.
 */
const STAGE_LETTERS = { route: 'r', deliver: 'd', flush: 'f', digest: 'x' } as const;

export function jobId(stage: keyof typeof STAGE_LETTERS, ...parts: Array<string | number>): string {
  return [STAGE_LETTERS[stage], ...parts].join('-').replaceAll(':', '_');
}

/** A payload that fails its schema will not mend itself: BullMQ fails such a job at once, without retries. */
export class InvalidJobError extends UnrecoverableError {
  readonly code = 'JOB_INVALID' as const;
}

export function parseJob<S extends z.ZodType>(schema: S, job: Pick<Job, 'id' | 'data' | 'queueName'>): z.output<S> {
  const result = schema.safeParse(job.data);
  if (!result.success) {
    throw new InvalidJobError(`job ${job.id} on ${job.queueName} is not a valid payload: ${result.error.message}`);
  }
  return result.data;
}

export function createQueue(name: QueueName, connection: Redis | ConnectionOptions, prefix: string): Queue {
  const defaults = {
    [QUEUES.route]: DEFAULT_JOB_OPTIONS.route,
    [QUEUES.deliver]: DEFAULT_JOB_OPTIONS.deliver,
    [QUEUES.alertFlush]: DEFAULT_JOB_OPTIONS.alertFlush,
    [QUEUES.floodDigest]: DEFAULT_JOB_OPTIONS.floodDigest,
  }[name];
  const queue = new Queue(name, { connection: connection as ConnectionOptions, prefix, defaultJobOptions: defaults });
  observeBullmq(queue, connection, `${name} queue`);
  return queue;
}

export type { RouteJob, DeliverJob };
