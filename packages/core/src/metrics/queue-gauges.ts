import { Gauge, type Registry } from 'prom-client';
import type { Queue } from 'bullmq';

const STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized', 'waiting-children'] as const;

/**
 * Queue lengths by state and the age of the oldest waiting job, read from Redis when
 * Prometheus scrapes, not on a timer.
 */
export function registerQueueGauges(registry: Registry, queues: Queue[]): void {
  new Gauge({
    name: 'mailsort_queue_jobs',
    help: 'Jobs in each queue by state, read at scrape time.',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      for (const queue of queues) {
        const counts = await queue.getJobCounts(...STATES);
        for (const state of STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
      }
    },
  });
  new Gauge({
    name: 'mailsort_queue_oldest_waiting_age_seconds',
    help: 'Age of the oldest job waiting (or delayed) in each queue; 0 when none.',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      const now = Date.now();
      for (const queue of queues) {
        const [oldest] = await queue.getJobs(['waiting', 'delayed', 'prioritized'], 0, 0, true);
        this.set({ queue: queue.name }, oldest ? Math.max(0, (now - oldest.timestamp) / 1000) : 0);
      }
    },
  });
}
