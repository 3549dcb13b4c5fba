import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startCountingSink } from './support/counting-sink.js';
import { startFaultSystem } from './support/fault-system.js';
import { codes, range, sendNumbered } from './support/load.js';
import { createPrivateRedis } from './support/private-redis.js';
import { waitUntil } from './support/wait.js';

// CI sends 10,000; FAULT_MESSAGES scales it down for a quick local run.
const COUNT = Number(process.env.FAULT_MESSAGES ?? 10_000);
const KILLS = 12;

test(`${COUNT} messages while routers and senders are SIGKILLed and restarted ${KILLS} times: every accepted message reaches the upstream, duplicates stay under 1 %`, {
  timeout: 240_000,
}, async (t) => {
  const redis = await createPrivateRedis();
  await redis.start();
  const sink = await startCountingSink();
  const system = await startFaultSystem({ name: 'fault-kills', redisUrl: redis.url, upstreamPort: sink.port, routers: 2, senders: 2 });
  after(async () => {
    await system.stop();
    await sink.close();
    await redis.kill();
  });

  // Kills are spread over the first half of the deliveries, alternating router and sender, so
  // the jobs they orphan are recovered while the rest of the load is still flowing.
  const victims = [...system.of('router'), ...system.of('sender')].sort((a, b) => a.index - b.index || a.kind.localeCompare(b.kind));
  const killer = (async () => {
    for (let kill = 0; kill < KILLS; kill++) {
      const threshold = Math.floor(((kill + 1) * 0.5 * COUNT) / (KILLS + 1));
      await waitUntil(
        () => sink.total >= threshold,
        200_000,
        () => `the sink never got ${threshold} messages (has ${sink.total})`,
      );
      await system.replace(victims[kill % victims.length]!, 'SIGKILL');
    }
  })();

  const outcomes = await sendNumbered({ port: system.smtpPort, seqs: range(0, COUNT), connections: 10 });
  assert.deepEqual(codes(outcomes), { 250: COUNT }, 'ingest is never killed here, so every message gets 250');
  await killer;
  await sink.waitForAll(range(0, COUNT), 90_000);

  const duplicates = sink.duplicates;
  const share = (100 * duplicates) / COUNT;
  const report = `${COUNT} accepted, ${sink.distinct} distinct delivered, ${duplicates} duplicate deliveries (${share.toFixed(3)} %), ${system.stopped.length} processes SIGKILLed`;
  t.diagnostic(report);
  console.log(`fault-process-kills: ${report}`);
  assert.equal(sink.unnumbered, 0);
  assert.ok(share <= 1, `duplicates ${share.toFixed(3)} % exceed 1 %`);

  // Nothing is left behind: no job failed, none waits, none is stuck active.
  let counts: Record<string, Record<string, number>> = {};
  await waitUntil(
    async () => {
      counts = await system.jobCounts();
      return Object.values(counts).every((c) => c.waiting === 0 && c.active === 0 && c.delayed === 0 && c.failed === 0);
    },
    60_000,
    () => `queues did not settle: ${JSON.stringify(counts)}`,
    250,
  );
});
