// Throughput of mailsort on a local 3-master Redis Cluster with redis.shards 1 vs 3.
//
// - Redis: one cluster for the whole run (test/support/redis-cluster.ts: 6 redis-server on
//   loopback, 3 masters + 3 replicas, no persistence), each round on a fresh key prefix; for
//   3 shards the prefix is picked so that its three hash tags are served by three masters.
// - mailsort: ingest, router and sender, one process each (started as the tests start them),
//   with redis.cluster_nodes set; the upstream is a counting SMTP sink on loopback.
// - Load: --messages (3000) from a nodemailer pool of --connections (16) parallel clients.
//   msg/s = messages / (first send → last arrival at the sink): accept, route and deliver.
// - --rounds (2) alternate 1, 3, 1, 3 shards; the ratio printed is the median of the rounds'
//   3-shard/1-shard ratios. On a 2-core machine the node processes, not Redis, are the limit,
//   so expect a modest change; K shards also means K route and K deliver workers (each with
//   its own concurrency), which is part of what is measured.
// Usage: node --conditions=development --import tsx bench/shards.ts [--messages 3000] [--connections 16] [--rounds 2]
import { parseArgs } from 'node:util';
import { startCountingSink } from '../test/support/counting-sink.js';
import { accepted, range, sendNumbered } from '../test/support/load.js';
import { startClusterServices, startRedisCluster, type RedisCluster } from '../test/support/redis-cluster.js';
import { fmt, median, table } from './lib/report.js';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '3000' }, connections: { type: 'string', default: '16' }, rounds: { type: 'string', default: '2' } } });
const messages = Number(values.messages);
const connections = Number(values.connections);
const rounds = Number(values.rounds);

async function spreadPrefix(cluster: RedisCluster, round: string, shards: number): Promise<string> {
  for (let n = 0; n < 100; n++) {
    const prefix = `bench-${round}-${n}`;
    const tags = [`{${prefix}}`, ...range(1, shards - 1).map((shard) => `{${prefix}-s${shard}}`)];
    const masters = await Promise.all(tags.map((tag) => cluster.masterOf(tag)));
    if (new Set(masters.map((master) => master?.port)).size === shards) return prefix;
  }
  throw new Error(`no prefix spreads ${shards} shards over the masters`);
}

async function measure(cluster: RedisCluster, shards: number, round: number): Promise<number> {
  const sink = await startCountingSink();
  const prefix = await spreadPrefix(cluster, `r${round}k${shards}`, shards);
  const system = await startClusterServices({ cluster, prefix, shards, upstreamPort: sink.port });
  try {
    const started = Date.now();
    const outcomes = await sendNumbered({ port: system.smtpPort, seqs: range(0, messages), connections });
    const owed = accepted(outcomes);
    if (owed.length !== messages) throw new Error(`only ${owed.length} of ${messages} accepted`);
    await sink.waitForAll(owed, 60_000);
    return messages / ((Date.now() - started) / 1000);
  } finally {
    await system.stop();
    await sink.close();
  }
}

const cluster = await startRedisCluster({ masters: 3 });
const results: Record<number, number[]> = { 1: [], 3: [] };
try {
  for (let round = 0; round < rounds; round++) {
    for (const shards of [1, 3]) {
      const rate = await measure(cluster, shards, round);
      results[shards]!.push(rate);
      console.error(`round ${round + 1}: ${shards} shard(s): ${fmt(rate)} msg/s`);
    }
  }
} finally {
  await cluster.stop();
}
const ratios = results[3]!.map((rate, index) => rate / results[1]![index]!);
console.log(
  table(
    ['shards', 'msg/s per round', 'median msg/s'],
    [1, 3].map((shards) => [String(shards), results[shards]!.map((rate) => fmt(rate)).join(', '), fmt(median(results[shards]!))]),
  ),
);
console.log(`3 shards / 1 shard: ${fmt(median(ratios), 2)} (median of ${rounds} rounds; ${messages} messages, ${connections} clients, 3-master cluster on loopback)`);
process.exit(0);
