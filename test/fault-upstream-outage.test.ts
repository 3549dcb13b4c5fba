import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startCountingSink } from './support/counting-sink.js';
import { metricValue, startFaultSystem } from './support/fault-system.js';
import { codes, range, sendNumbered } from './support/load.js';
import { createPrivateRedis } from './support/private-redis.js';
import { waitUntil } from './support/wait.js';

const BATCH = Math.min(500, Number(process.env.FAULT_MESSAGES ?? 500));

test('upstream down for a while: mail keeps being accepted, the backlog shows in mailsort_queue_jobs, and everything is delivered once it is back', { timeout: 180_000 }, async (t) => {
  const redis = await createPrivateRedis();
  await redis.start();
  const sink = await startCountingSink();
  const system = await startFaultSystem({ name: 'fault-upstream', redisUrl: redis.url, upstreamPort: sink.port });
  after(async () => {
    await system.stop();
    await sink.close();
    await redis.kill();
  });
  const [sender] = system.of('sender');
  const backlog = async () => {
    const text = await system.metrics(sender!);
    return ['waiting', 'active', 'delayed'].reduce((sum, state) => sum + metricValue(text, 'mailsort_queue_jobs', { queue: 'deliver', state }), 0);
  };

  assert.deepEqual(codes(await sendNumbered({ port: system.smtpPort, seqs: range(0, 50) })), { 250: 50 });
  await sink.waitForAll(range(0, 50));

  await sink.down();
  assert.deepEqual(codes(await sendNumbered({ port: system.smtpPort, seqs: range(50, BATCH) })), { 250: BATCH }, 'ingest accepts while the upstream is down');
  let seen = 0;
  await waitUntil(
    async () => {
      seen = await backlog();
      return seen >= BATCH;
    },
    30_000,
    () => `deliver backlog in /metrics is ${seen}, expected ${BATCH}`,
    250,
  );
  const deferred = metricValue(await system.metrics(sender!), 'mailsort_sender_deliveries_total', { result: 'deferred', upstream: 'default' });
  t.diagnostic(`while the upstream was down: mailsort_queue_jobs{queue="deliver"} waiting+active+delayed = ${seen}, deferred attempts = ${deferred}`);
  assert.ok(deferred > 0, 'failed attempts are counted as deferred');
  assert.equal(sink.distinct, 50, 'nothing reached the upstream while it was down');

  await sink.up();
  await sink.waitForAll(range(0, 50 + BATCH), 90_000);
  await waitUntil(
    async () => {
      seen = await backlog();
      return seen === 0;
    },
    30_000,
    () => `backlog still ${seen} after everything arrived`,
    250,
  );
  t.diagnostic(`${50 + BATCH} delivered; ${sink.duplicates} duplicates`);
});
