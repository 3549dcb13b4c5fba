import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startCountingSink } from './support/counting-sink.js';
import { startFaultSystem } from './support/fault-system.js';
import { accepted, codes, numbersUntil, sendNumbered } from './support/load.js';
import { createPrivateRedis } from './support/private-redis.js';
import { waitUntil } from './support/wait.js';

test('SIGTERM rolling restart of every service under load: every process exits 0, nothing accepted is lost, no job is left stalled or failed', { timeout: 180_000 }, async (t) => {
  const redis = await createPrivateRedis();
  await redis.start();
  const sink = await startCountingSink();
  const system = await startFaultSystem({ name: 'fault-rolling', redisUrl: redis.url, upstreamPort: sink.port, routers: 2, senders: 2 });
  after(async () => {
    await system.stop();
    await sink.close();
    await redis.kill();
  });

  // Clients that open a connection per message and retry on 4xx or a refused connection,
  // as msmtp, cron and Alertmanager do, so ingest's own restart is part of the run.
  let rolling = true;
  const load = sendNumbered({ port: system.smtpPort, seqs: numbersUntil(() => !rolling), connections: 12, pool: false, retryUntilAccepted: true });

  await waitUntil(
    () => sink.total >= 100,
    60_000,
    () => `only ${sink.total} delivered before the restarts`,
  );
  const order = [...system.of('sender'), ...system.of('router'), ...system.of('ingest')];
  for (const replica of order) {
    const before = sink.total;
    assert.equal(await system.replace(replica, 'SIGTERM'), 0, `${replica.kind} ${replica.index} exits 0 on SIGTERM`);
    // Wait for the work to flow through the new process before the next goes down.
    await waitUntil(
      () => sink.total >= before + 50,
      60_000,
      () => `deliveries stopped after restarting ${replica.kind} ${replica.index}`,
    );
  }
  rolling = false;
  const outcomes = await load;
  const owed = accepted(outcomes);
  t.diagnostic(`${outcomes.length} messages sent during ${order.length} restarts; replies ${JSON.stringify(codes(outcomes))}; ${outcomes.filter((o) => o.attempts > 1).length} needed a retry`);
  assert.equal(owed.length, outcomes.length, 'every message is accepted in the end');

  await sink.waitForAll(owed, 60_000);
  let counts: Record<string, Record<string, number>> = {};
  await waitUntil(
    async () => {
      counts = await system.jobCounts();
      return Object.values(counts).every((c) => c.waiting === 0 && c.active === 0 && c.delayed === 0);
    },
    30_000,
    () => `queues did not drain: ${JSON.stringify(counts)}`,
    250,
  );
  assert.deepEqual(Object.fromEntries(Object.entries(counts).map(([queue, c]) => [queue, c.failed])), { route: 0, deliver: 0, 'alert-flush': 0, 'flood-digest': 0 }, 'no failed jobs');
  t.diagnostic(`${owed.length} delivered; ${sink.duplicates} duplicates; job counts ${JSON.stringify(counts)}`);
  assert.equal(sink.duplicates, 0, 'a graceful restart finishes in-flight work instead of redoing it');
});
