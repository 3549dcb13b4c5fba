import type { Job, Queue } from 'bullmq';
import { routeJobSchema, type RouteJob } from '../queues/payloads.js';
import type { AdminContext } from './admin-context.js';

export interface RouteDeadLetter {
  job: Job;
  data: RouteJob;
}

const PAGE = 500;

/**
 * Messages whose routing failed for good (a dead letter of the route queue): they have no
 * delivery yet, so `queue list` and `show` list them from here, with the coded reason.
 */
export async function routeDeadLetters(context: AdminContext): Promise<RouteDeadLetter[]> {
  return (await Promise.all(context.route.all.map(deadLettersIn))).flat();
}

async function deadLettersIn(queue: Queue): Promise<RouteDeadLetter[]> {
  const letters: RouteDeadLetter[] = [];
  for (let start = 0; ; start += PAGE) {
    const jobs = await queue.getJobs(['failed'], start, start + PAGE - 1, true);
    for (const job of jobs) {
      const parsed = routeJobSchema.safeParse(job?.data);
      if (job && parsed.success) letters.push({ job, data: parsed.data });
    }
    if (jobs.length < PAGE) return letters;
  }
}

/** A route dead letter by its job id (r-…) or its message id. */
export async function findRouteDeadLetters(context: AdminContext, target: string): Promise<RouteDeadLetter[]> {
  return (await routeDeadLetters(context)).filter(({ job, data }) => job.id === target || data.id === target);
}

export function routeDeadLetterJson({ job, data }: RouteDeadLetter): Record<string, unknown> {
  return {
    route: job.id,
    message: data.id,
    state: 'failed',
    stage: 'routing',
    acceptedAt: new Date(data.acceptedAt).toISOString(),
    original: data.envelope,
    attempts: job.attemptsMade,
    failedReason: job.failedReason ?? null,
    lastAttemptAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
}
