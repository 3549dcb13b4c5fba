import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startCountingSink } from './support/counting-sink.js';
import { startFaultSystem } from './support/fault-system.js';
import { accepted, codes, range, sendNumbered } from './support/load.js';
import { createPrivateRedis } from './support/private-redis.js';
import { waitUntil } from './support/wait.js';

const COUNT = Math.min(2000, Number(process.env.FAULT_MESSAGES ?? 2000));

test('Redis SIGKILLed and restarted mid-run: clients hear 451 while it is down, and every message that got 250 is delivered afterwards', { timeout: 180_000 }, async (t) => {
  // AOF, as production runs it: what Redis acknowledged is in the file before the reply.
  const redis = await createPrivateRedis({ appendonly: true });
  await redis.start();
  const sink = await startCountingSink();
  const system = await startFaultSystem({ name: 'fault-redis', redisUrl: redis.url, upstreamPort: sink.port });
  after(async () => {
    await system.stop();
    await sink.close();
    await redis.kill();
  });

  // Replies already on their way when Redis dies may still say 250 (the message was stored
  // before the kill), so a 250 counts against ingest only after the first 20 replies of 451
  // and before Redis is started again.
  let phase: 'before' | 'down' | 'settled' | 'restarting' = 'before';
  let deferredWhileDown = 0;
  let acceptedWhileDown = 0;
  const load = sendNumbered({
    port: system.smtpPort,
    seqs: range(0, COUNT),
    connections: 6,
    onOutcome: ({ code }) => {
      if (code === 451 && (phase === 'down' || phase === 'settled')) deferredWhileDown += 1;
      if (code === 250 && phase === 'settled') acceptedWhileDown += 1;
      if (phase === 'down' && deferredWhileDown >= 20) phase = 'settled';
    },
  });

  await waitUntil(
    () => sink.total >= COUNT / 4,
    60_000,
    () => `only ${sink.total} delivered before the kill`,
  );
  await redis.kill();
  phase = 'down';
  await waitUntil(
    () => deferredWhileDown >= 40,
    30_000,
    () => `only ${deferredWhileDown} 451 replies while Redis was down`,
  );
  phase = 'restarting';
  await redis.start();

  const outcomes = await load;
  const owed = accepted(outcomes);
  t.diagnostic(`replies: ${JSON.stringify(codes(outcomes))}; ${deferredWhileDown} answered 451 and ${acceptedWhileDown} answered 250 while Redis was down`);
  assert.ok(owed.length > COUNT / 4, 'most messages were accepted before and after the outage');
  assert.deepEqual(
    Object.keys(codes(outcomes)).filter((code) => code !== '250' && code !== '451'),
    [],
    'every reply is 250 or 451',
  );
  assert.equal(acceptedWhileDown, 0, 'no 250 while Redis is down');

  await sink.waitForAll(owed, 90_000);
  t.diagnostic(`${owed.length} accepted, all delivered; ${sink.duplicates} duplicate deliveries`);
});
