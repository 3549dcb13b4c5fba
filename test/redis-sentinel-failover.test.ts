import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startCountingSink } from './support/counting-sink.js';
import { metricValue, startFaultSystem } from './support/fault-system.js';
import { accepted, codes, outageWatch, range, sendNumbered } from './support/load.js';
import { startSentinelRedis } from './support/sentinel-redis.js';
import { waitUntil } from './support/wait.js';

const COUNT = Number(process.env.SENTINEL_MESSAGES ?? 3000);
// What ingest may take for one reply: the store timeout (15 s by default) and a margin.
const LONGEST_REPLY_MS = 17_000;

test('Sentinel failover with min_replicas_acked 1: the master SIGKILLed mid-run, ingest answers only 250 or 451, serves again by itself, and every message that got 250 is delivered', {
  timeout: 120_000,
}, async (t) => {
  const started = Date.now();
  const redis = await startSentinelRedis({ replicas: 2, sentinels: 3, downAfterMs: 1000 });
  const sink = await startCountingSink();
  const system = await startFaultSystem({
    name: 'sentinel',
    // Only for the harness's own look at the queues: the services ask the Sentinels.
    redisUrl: await redis.masterUrl(),
    upstreamPort: sink.port,
    redis: { sentinels: redis.sentinels, master_name: redis.masterName, min_replicas_acked: 1, replica_ack_timeout: '500ms' },
  });
  after(async () => {
    await system.stop();
    await sink.close();
    await redis.stop();
  });
  const ready = Date.now();

  const outage = outageWatch();
  let longestReplyMs = 0;
  const replies: Record<number, number> = {};
  const load = sendNumbered({
    port: system.smtpPort,
    seqs: range(0, COUNT),
    connections: 8,
    retryUntilAccepted: true,
    onAttempt: (attempt) => {
      replies[attempt.code] = (replies[attempt.code] ?? 0) + 1;
      longestReplyMs = Math.max(longestReplyMs, attempt.ms);
      outage.onAttempt(attempt);
    },
  });

  await waitUntil(
    () => sink.total >= COUNT / 2,
    60_000,
    () => `only ${sink.total} delivered before the kill`,
  );
  const deliveredBeforeKill = sink.total;
  const oldMaster = await redis.killMaster();
  outage.killed();
  const killedAt = outage.killedAt;
  const newMaster = await redis.promoted(oldMaster);
  const promotedAt = Date.now();

  const outcomes = await load;
  const owed = accepted(outcomes);
  await sink.waitForAll(owed, 30_000);
  const doneAt = Date.now();
  const { deferredAfterKill, unavailableMs } = outage;

  t.diagnostic(
    `${COUNT} messages; all replies ${JSON.stringify(replies)}; final ${JSON.stringify(codes(outcomes))}; ${deliveredBeforeKill} delivered before the kill; ` +
      `Sentinels promoted ${newMaster} (was ${oldMaster}) ${promotedAt - killedAt} ms after the kill; ` +
      `unavailable ${Number.isNaN(unavailableMs) ? 'never served again' : unavailableMs} ms (kill to the first 250 of an attempt begun after it), ${deferredAfterKill} replies 451 after the kill; ` +
      `longest reply ${longestReplyMs} ms; ${owed.length} accepted, all delivered, ${sink.duplicates} duplicate deliveries; ` +
      `setup ${ready - started} ms, run ${doneAt - ready} ms`,
  );
  assert.deepEqual(
    Object.keys(replies).filter((code) => code !== '250' && code !== '451'),
    [],
    'ingest answered only 250 or 451, never a hang nor a dropped connection',
  );
  assert.ok(longestReplyMs < LONGEST_REPLY_MS, `no reply took longer than ingest's store timeout (${longestReplyMs} ms)`);
  assert.ok(deferredAfterKill > 0, 'the clients saw the failover as 451');
  assert.ok(unavailableMs <= 30_000, `ingest served again within 30 s of the kill (${unavailableMs} ms)`);
  assert.equal(owed.length, COUNT, 'every message got its 250 in the end (the clients retry 451)');
  assert.ok(sink.duplicates <= owed.length * 0.005, `duplicates ${sink.duplicates} at most 0.5 % of ${owed.length}`);

  const ingest = system.of('ingest')[0]!;
  const metrics = await system.metrics(ingest);
  assert.ok(metricValue(metrics, 'mailsort_redis_failovers_total') >= 1, 'ingest counted the failover it followed');
  assert.equal(metricValue(metrics, 'mailsort_redis_master_info', { address: `127.0.0.1:${newMaster}` }), 1, 'and names the new master');
  assert.equal(metricValue(metrics, 'mailsort_redis_role', { role: 'master' }), 1, 'whose role is master');
  const failoverLines = ingest.current.logs.filter((line) => line.code === 'REDIS_FAILOVER');
  assert.equal(failoverLines.length, 1, 'one REDIS_FAILOVER line for the process, not one per connection');
  assert.equal(failoverLines[0]!.to, `127.0.0.1:${newMaster}`);
});
