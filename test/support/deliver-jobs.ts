import { createMessageLifecycle, createMessageStore, createQueue, jobId, newMessageId, QUEUES, storeKeys, type DeliverJob, type Destination } from '@mailsort/core';
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
 * the lifecycle's accept and route, add), and waits for jobs to complete or fail by polling their
 * state (mailsort's BullMQ writes no events stream: patches/bullmq@6.7.0.patch).
 */
export async function createDeliveryHarness(name: string, existingPrefix?: string) {
  const prefix = existingPrefix ?? uniquePrefix(name);
  const redis = testRedis();
  const store = createMessageStore(redis, prefix);
  const lifecycle = createMessageLifecycle(redis, { prefix, messageTtlMs: 3_600_000, traceTtlMs: 3_600_000 });
  const queue = createQueue(QUEUES.deliver, redis, prefix);
  const forgotten = new Set<string>();

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
      forgotten.add(deliveryId);
    },
    /** Resolves when the job completed or failed for good (a retry waiting for its next attempt is neither). */
    async waitFinished(deliveryId: string, timeoutMs = 20_000): Promise<{ state: 'completed' | 'failed'; detail: string }> {
      const deadline = Date.now() + timeoutMs;
      // A forgotten failure (a dead letter being retried) counts again only once the job has left it.
      let staleFailure = forgotten.delete(deliveryId);
      while (Date.now() < deadline) {
        // State first, then the job: read the other way round, a job that fails in between
        // shows the new state with the old (empty) failure reason.
        const state = await queue.getJobState(deliveryId);
        if (state !== 'failed') staleFailure = false;
        if (state === 'failed' && !staleFailure) return { state, detail: (await queue.getJob(deliveryId))!.failedReason };
        // A completed job is removed at once; the sender's ledger entry (the upstream's reply) is what says it was delivered.
        const ledger = state === 'completed' || state === 'unknown' ? await redis.get(storeKeys(prefix).delivered(deliveryId)) : null;
        if (ledger !== null) return { state: 'completed', detail: ledger };
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`delivery ${deliveryId} did not finish within ${timeoutMs} ms`);
    },
    async close(): Promise<void> {
      await queue.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    },
  };
}
