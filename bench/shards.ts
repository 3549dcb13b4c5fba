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
// - Also printed: the busiest master's Redis CPU seconds and commands per 1000 messages
//   (INFO deltas over the round) and the ceiling they set once Redis is what saturates (one core
//   per master): the part of the work sharding divides, measured even where Node is the limit.
// Usage: node --conditions=development --import tsx bench/shards.ts [--messages 3000] [--connections 16] [--rounds 2]
import { parseArgs } from 'node:util';
import { startCountingSink } from '../test/support/counting-sink.js';
import { accepted, range, sendNumbered } from '../test/support/load.js';
import { redisCli, startClusterServices, startRedisCluster, type RedisCluster } from '../test/support/redis-cluster.js';
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

interface MasterLoad {
  cpuSeconds: number;
  commands: number;
}

/** Each master's CPU seconds (user + sys) and commands processed so far, by port. */
async function masterLoads(cluster: RedisCluster): Promise<Map<number, MasterLoad>> {
  const loads = new Map<number, MasterLoad>();
  for (const node of cluster.nodes) {
    const info = await redisCli(node.port, 'INFO');
    if (!/^role:master/m.test(info)) continue;
    const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
    loads.set(node.port, { cpuSeconds: field('used_cpu_user') + field('used_cpu_sys'), commands: field('total_commands_processed') });
  }
  return loads;
}

interface Round {
  rate: number;
  /** The busiest master's Redis CPU seconds and commands per 1000 messages: what caps the cluster once Redis saturates. */
  busiestCpuPer1000: number;
  busiestCommandsPer1000: number;
}

async function measure(cluster: RedisCluster, shards: number, round: number): Promise<Round> {
  const sink = await startCountingSink();
  const prefix = await spreadPrefix(cluster, `r${round}k${shards}`, shards);
  const system = await startClusterServices({ cluster, prefix, shards, upstreamPort: sink.port });
  try {
    const before = await masterLoads(cluster);
    const started = Date.now();
    const outcomes = await sendNumbered({ port: system.smtpPort, seqs: range(0, messages), connections });
    const owed = accepted(outcomes);
    if (owed.length !== messages) throw new Error(`only ${owed.length} of ${messages} accepted`);
    await sink.waitForAll(owed, 60_000);
    const rate = messages / ((Date.now() - started) / 1000);
    const after = await masterLoads(cluster);
    const used = [...after].map(([port, load]) => ({
      cpuSeconds: load.cpuSeconds - (before.get(port)?.cpuSeconds ?? 0),
      commands: load.commands - (before.get(port)?.commands ?? 0),
    }));
    const per1000 = 1000 / messages;
    return {
      rate,
      busiestCpuPer1000: Math.max(...used.map((load) => load.cpuSeconds)) * per1000,
      busiestCommandsPer1000: Math.max(...used.map((load) => load.commands)) * per1000,
    };
  } finally {
    await system.stop();
    await sink.close();
  }
}

const cluster = await startRedisCluster({ masters: 3 });
const results: Record<number, Round[]> = { 1: [], 3: [] };
try {
  for (let round = 0; round < rounds; round++) {
    for (const shards of [1, 3]) {
      const result = await measure(cluster, shards, round);
      results[shards]!.push(result);
      console.error(`round ${round + 1}: ${shards} shard(s): ${fmt(result.rate)} msg/s, busiest master ${fmt(result.busiestCpuPer1000, 3)} CPU s per 1000 messages`);
    }
  }
} finally {
  await cluster.stop();
}
const medianOf = (shards: number, pick: (round: Round) => number) => median(results[shards]!.map(pick));
console.log(
  table(
    ['shards', 'msg/s per round', 'median msg/s', 'busiest master: CPU s / 1000 msgs', 'its commands / 1000 msgs', 'ceiling msg/s if Redis saturates'],
    [1, 3].map((shards) => {
      const cpu = medianOf(shards, (round) => round.busiestCpuPer1000);
      return [
        String(shards),
        results[shards]!.map((round) => fmt(round.rate)).join(', '),
        fmt(medianOf(shards, (round) => round.rate)),
        fmt(cpu, 3),
        fmt(medianOf(shards, (round) => round.busiestCommandsPer1000)),
        fmt(1000 / cpu),
      ];
    }),
  ),
);
const ratios = results[3]!.map((round, index) => round.rate / results[1]![index]!.rate);
console.log(`3 shards / 1 shard: ${fmt(median(ratios), 2)} end to end (median of ${rounds} rounds; ${messages} messages, ${connections} clients, 3-master cluster on loopback)`);
console.log(
  `busiest master's Redis CPU per message, 1 shard / 3 shards: ${fmt(medianOf(1, (round) => round.busiestCpuPer1000) / medianOf(3, (round) => round.busiestCpuPer1000), 2)}× (the Redis work each master carries; the ceiling column is 1 core per master divided by it)`,
);
process.exit(0);
