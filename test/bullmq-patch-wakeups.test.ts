import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { createQueue, crashRecovery, QUEUES } from '@mailsort/core';
import { createPrivateRedis } from './support/private-redis.js';
import { waitUntil } from './support/wait.js';

// patches/bullmq@6.7.0.patch: a take that leaves the wait list empty re-adds no wake-up marker
// and makes the worker block on the marker at once, with the next delayed job's time. These
// pin what that must not break: a job added later, or one that falls due later, is still taken
// at once (a lost wake-up shows as BullMQ's 5 s block timeout), and the Redis work it saves.
const redis = await createPrivateRedis();
await redis.start();
after(() => redis.kill());

function queueAndWorker(prefix: string, handler: (job: Job) => Promise<void>) {
  // Connection options, not connections: the queue and the worker then own, and close, theirs.
  const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
  const queue = createQueue(QUEUES.route, connection, prefix);
  const worker = new Worker(QUEUES.route, handler, {
    connection,
    prefix,
    concurrency: 5,
    ...crashRecovery(10_000),
  });
  return {
    queue,
    worker,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}

test('a job added while the worker runs the only other one, or once it is idle, starts at once', async () => {
  const started = new Map<string, number>();
  const { queue, worker, close } = queueAndWorker('wake-added', async (job) => {
    started.set(job.id!, Date.now());
    if (job.id === 'r-first') await new Promise((resolve) => setTimeout(resolve, 300));
  });
  try {
    await worker.waitUntilReady();
    await queue.add('message', {}, { jobId: 'r-first' });
    await waitUntil(() => started.has('r-first'), 5000, 'the first job started');
    const addedDuring = Date.now();
    await queue.add('message', {}, { jobId: 'r-during' });
    await waitUntil(() => started.has('r-during'), 10_000, 'the job added during the first');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const addedIdle = Date.now();
    await queue.add('message', {}, { jobId: 'r-idle' });
    await waitUntil(() => started.has('r-idle'), 10_000, 'the job added to an idle worker');
    assert.ok(started.get('r-during')! - addedDuring < 1000, `taken ${started.get('r-during')! - addedDuring} ms after it was added`);
    assert.ok(started.get('r-idle')! - addedIdle < 1000, `taken ${started.get('r-idle')! - addedIdle} ms after it was added`);
  } finally {
    await close();
  }
});

test('a delayed job falls due and starts on time after a take left the queue empty', async () => {
  const started = new Map<string, number>();
  const { queue, worker, close } = queueAndWorker('wake-delayed', async (job) => {
    started.set(job.id!, Date.now());
  });
  try {
    await worker.waitUntilReady();
    const added = Date.now();
    await queue.add('message', {}, { jobId: 'r-later', delay: 1500 });
    await queue.add('message', {}, { jobId: 'r-now' });
    await waitUntil(() => started.has('r-later'), 10_000, 'the delayed job');
    const after = started.get('r-later')! - added;
    assert.ok(started.get('r-now')! - added < 1000, 'the immediate job first');
    assert.ok(after >= 1500 && after < 3000, `the delayed job started ${after} ms after it was added (due after 1500)`);
  } finally {
    await close();
  }
});

test('a job through an idle queue costs at most 30 Redis commands (it cost ~42 before the patch)', async () => {
  const admin = new Redis(redis.url);
  const done = new Set<string>();
  const { queue, worker, close } = queueAndWorker('wake-count', async (job) => {
    done.add(job.id!);
  });
  try {
    await worker.waitUntilReady();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await admin.config('RESETSTAT');
    const jobs = 10;
    for (let i = 0; i < jobs; i++) {
      await queue.add('message', {}, { jobId: `r-count-${i}` });
      await waitUntil(() => done.has(`r-count-${i}`), 10_000, `job ${i}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const stats = (await admin.info('commandstats')).split('\n').filter((line) => line.startsWith('cmdstat_') && !/^cmdstat_(info|config)/.test(line));
    const commands = stats.reduce((sum, line) => sum + Number(/calls=(\d+)/.exec(line)![1]), 0);
    assert.ok(commands / jobs <= 30, `${(commands / jobs).toFixed(1)} commands per job:\n${stats.join('\n')}`);
  } finally {
    admin.disconnect();
    await close();
  }
});
