// What redis.min_replicas_acked buys and costs, on real redis-server processes over loopback.
//
// 1. Failover: a master, 2 replicas and 3 Sentinels (down-after 1 s), ingest + router + sender
//    as processes asking the Sentinels, a counting SMTP sink as the upstream. --messages (3000)
//    numbered messages from 8 clients that retry a 451 (as a real MTA does); the master is
//    SIGKILLed once half have been delivered. Printed per setting (min_replicas_acked 1, then 0):
//    lost = got a final 250 but never reached the sink (waited until 15 s without an arrival),
//    duplicates = arrivals beyond the first, unavailable = kill to the first 250 of an attempt
//    begun after the kill, and the 451 replies after the kill.
// 2. Throughput: a master with 1 replica (Sentinel mode, nothing killed); --throughput-messages
//    (2000) from a pool of 16 connections, accepted/s at the client from the first send to the
//    last 250; --rounds (2) alternate 0 and 1 on fresh key prefixes, the ratio is the median of
//    the rounds' 1/0 ratios. Run from source like the tests (tsx), not the built dist/.
// Usage: node --conditions=development --import tsx bench/failover.ts [--messages 3000] [--throughput-messages 2000] [--rounds 2] [--skip failover|throughput]
import { parseArgs } from 'node:util';
import { startCountingSink } from '../test/support/counting-sink.js';
import { startFaultSystem } from '../test/support/fault-system.js';
import { accepted, outageWatch, range, sendNumbered } from '../test/support/load.js';
import { startSentinelRedis } from '../test/support/sentinel-redis.js';
import { waitUntil } from '../test/support/wait.js';
import { fmt, median, table } from './lib/report.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '3000' },
    'throughput-messages': { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '2' },
    skip: { type: 'string' },
  },
});
const messages = Number(values.messages);
const throughputMessages = Number(values['throughput-messages']);
const rounds = Number(values.rounds);

interface FailoverResult {
  replicas: number;
  owed: number;
  lost: number;
  duplicates: number;
  unavailableMs: number;
  deferred: number;
}

async function failover(replicasAcked: number): Promise<FailoverResult> {
  const redis = await startSentinelRedis({ replicas: 2, sentinels: 3, downAfterMs: 1000 });
  const sink = await startCountingSink();
  const system = await startFaultSystem({
    name: `bench-failover-${replicasAcked}`,
    redisUrl: await redis.masterUrl(),
    upstreamPort: sink.port,
    redis: { sentinels: redis.sentinels, master_name: redis.masterName, min_replicas_acked: replicasAcked, replica_ack_timeout: '500ms' },
  });
  try {
    const outage = outageWatch();
    const load = sendNumbered({
      port: system.smtpPort,
      seqs: range(0, messages),
      connections: 8,
      retryUntilAccepted: true,
      onAttempt: outage.onAttempt,
    });
    await waitUntil(() => sink.total >= messages / 2, 120_000, 'half the messages delivered');
    const oldMaster = await redis.killMaster();
    outage.killed();
    await redis.promoted(oldMaster);
    const owed = accepted(await load);
    await sink.waitForAll(owed, 15_000).catch(() => undefined);
    return {
      replicas: replicasAcked,
      owed: owed.length,
      lost: owed.filter((seq) => !sink.arrivals.has(seq)).length,
      duplicates: sink.duplicates,
      unavailableMs: outage.unavailableMs,
      deferred: outage.deferredAfterKill,
    };
  } finally {
    await system.stop();
    await sink.close();
    await redis.stop();
  }
}

async function throughput(replicasAcked: number, redis: Awaited<ReturnType<typeof startSentinelRedis>>): Promise<number> {
  const sink = await startCountingSink();
  const system = await startFaultSystem({
    name: `bench-throughput-${replicasAcked}`,
    redisUrl: await redis.masterUrl(),
    upstreamPort: sink.port,
    redis: { sentinels: redis.sentinels, master_name: redis.masterName, min_replicas_acked: replicasAcked },
  });
  try {
    const started = Date.now();
    let last = started;
    const onOutcome = ({ code }: { code: number }) => {
      if (code === 250) last = Date.now();
    };
    const outcomes = await sendNumbered({ port: system.smtpPort, seqs: range(0, throughputMessages), connections: 16, onOutcome });
    const ok = accepted(outcomes).length;
    if (ok !== throughputMessages) throw new Error(`only ${ok} of ${throughputMessages} accepted with min_replicas_acked ${replicasAcked}`);
    return ok / ((last - started) / 1000);
  } finally {
    await system.stop();
    await sink.close();
  }
}

if (values.skip !== 'failover') {
  const results = [await failover(1), await failover(0)];
  console.log(`\nFailover: ${messages} messages, master SIGKILLed halfway, 2 replicas, 3 Sentinels (down-after 1 s)`);
  console.log(
    table(
      ['min_replicas_acked', 'accepted', 'lost', 'duplicates', 'unavailable ms', '451 after kill'],
      results.map((r) => [String(r.replicas), String(r.owed), String(r.lost), String(r.duplicates), fmt(r.unavailableMs), String(r.deferred)]),
    ),
  );
}

if (values.skip !== 'throughput') {
  const redis = await startSentinelRedis({ replicas: 1, sentinels: 1 });
  const perRound: Array<{ without: number; with: number }> = [];
  try {
    for (let round = 0; round < rounds; round++) perRound.push({ without: await throughput(0, redis), with: await throughput(1, redis) });
  } finally {
    await redis.stop();
  }
  console.log(`\nAccept throughput: ${throughputMessages} messages, 16 pooled connections, master + 1 local replica`);
  console.log(
    table(
      ['round', 'min_replicas_acked 0 msg/s', 'min_replicas_acked 1 msg/s', '1 / 0'],
      perRound.map((r, i) => [String(i + 1), fmt(r.without), fmt(r.with), fmt(r.with / r.without, 2)]),
    ),
  );
  console.log(`median 1/0 ratio: ${fmt(median(perRound.map((r) => r.with / r.without)), 2)}`);
}
