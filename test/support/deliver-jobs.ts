import { QueueEvents } from 'bullmq';
import { createMessageLifecycle, createMessageStore, createQueue, jobId, newMessageId, QUEUES, type DeliverJob, type Destination } from '@mailsort/core';
import { writeConfigFile } from './config.js';
import { deletePrefix, testRedis, uniquePrefix } from './redis.js';

export function rawMessage(subject: string, body = 'Hello.\r\n.leading dot\r\n', extra: string[] = []): Buffer {
  return Buffer.from([`From: CI <ci@example.com>`, 'To: team@example.com', `Subject: ${subject}`, `Message-ID: <${subject.replace(/\W+/g, '-')}@example.com>`, ...extra, '', body].join('\r\n'));
}

/** A sender configuration on a unique prefix with a short retry schedule, written to a temp file. */
export function senderConfig(prefix: string, upstreams: Array<Record<string, unknown>>, delivery: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): string {
  return writeConfigFile({
    redis: { prefix },
    http: { host: '127.0.0.1' },
    upstreams,
    routing: { default_upstream: upstreams[0]!.name },
    delivery: { retry: ['200ms', '500ms'], max_lifetime: '60s', ...delivery },
    ...extra,
  });
}

/**
 * Puts messages in the store and deliver jobs on the queue the way the router does (store,
 * the lifecycle's accept and route, add), and waits for jobs to complete or fail through BullMQ's events.
 */
export async function createDeliveryHarness(name: string, existingPrefix?: string) {
  const prefix = existingPrefix ?? uniquePrefix(name);
  const redis = testRedis();
  const store = createMessageStore(redis, prefix);
  const lifecycle = createMessageLifecycle(redis, { prefix, messageTtlMs: 3_600_000, traceTtlMs: 3_600_000 });
  const queue = createQueue(QUEUES.deliver, redis, prefix);
  const eventsConnection = testRedis();
  const events = new QueueEvents(QUEUES.deliver, { connection: eventsConnection, prefix });
  await events.waitUntilReady();
  const finished = new Map<string, { state: 'completed' | 'failed'; detail: string }>();
  const waiters = new Set<() => void>();
  events.on('completed', ({ jobId: id, returnvalue }) => {
    finished.set(id, { state: 'completed', detail: String(returnvalue) });
    for (const wake of waiters) wake();
  });
  events.on('failed', ({ jobId: id, failedReason }) => {
    finished.set(id, { state: 'failed', detail: failedReason });
    for (const wake of waiters) wake();
  });

  return {
    prefix,
    redis,
    store,
    queue,
    async enqueue(raw: Buffer, destinations: Destination[], original = { from: 'ci@example.com', to: ['team@example.com'] }): Promise<DeliverJob[]> {
      const id = newMessageId();
      await lifecycle.accept(id, raw);
      const jobs: DeliverJob[] = destinations.map((destination, index) => ({ v: 1, id, deliveryId: jobId('deliver', id, index), acceptedAt: Date.now(), original, destination }));
      await lifecycle.route(id, jobs.length);
      await queue.addBulk(jobs.map((data) => ({ name: 'delivery', data, opts: { jobId: data.deliveryId } })));
      return jobs;
    },
    /** Forgets a finish seen before, e.g. before waiting for a retried dead letter. */
    forget(deliveryId: string): void {
      finished.delete(deliveryId);
    },
    /** Resolves when the job completed or failed for good (retries are not events here). */
    waitFinished(deliveryId: string, timeoutMs = 20_000): Promise<{ state: 'completed' | 'failed'; detail: string }> {
      return new Promise((resolve, reject) => {
        const check = async () => {
          const seen = finished.get(deliveryId);
          if (seen) return done(seen);
          // The event may have fired before we listened: ask the job itself.
          // State first, then the job: read the other way round, a job that fails in between
          // shows the new state with the old (empty) failure reason.
          const state = await queue.getJobState(deliveryId);
          if (state !== 'completed' && state !== 'failed') return;
          const job = await queue.getJob(deliveryId);
          done({ state, detail: state === 'failed' ? job!.failedReason : String(job!.returnvalue) });
        };
        const done = (value: { state: 'completed' | 'failed'; detail: string }) => {
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(value);
        };
        const wake = () => void check();
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`delivery ${deliveryId} did not finish within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(wake);
        void check();
      });
    },
    async close(): Promise<void> {
      await events.close();
      eventsConnection.disconnect();
      await queue.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    },
  };
}
