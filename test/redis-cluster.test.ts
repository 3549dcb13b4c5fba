import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startCountingSink } from './support/counting-sink.js';
import { accepted, codes, range, sendNumbered, type SendOutcome } from './support/load.js';
import { redisCli, startClusterServices, startRedisCluster, type RedisCluster } from './support/redis-cluster.js';
import { waitUntil } from './support/wait.js';

const COUNT = 3000;
const FAILOVER_COUNT = 1200;
const SHARDS = 3;

/** A prefix whose three shard tags ({p}, {p-s1}, {p-s2}) are served by three different masters, so the shards spread. */
async function spreadPrefix(cluster: RedisCluster): Promise<string> {
  for (let n = 0; n < 50; n++) {
    const prefix = `ms${n}`;
    const masters = await Promise.all([`{${prefix}}`, ...range(1, SHARDS - 1).map((shard) => `{${prefix}-s${shard}}`)].map((tag) => cluster.masterOf(tag)));
    if (new Set(masters.map((master) => master?.port)).size === SHARDS) return prefix;
  }
  throw new Error('no prefix spreads its shards over the masters');
}

/** The Redis state of an accepted message: its stored copy, its route and first deliver job and their states. */
async function whereIs(cluster: RedisCluster, prefix: string, outcome: SendOutcome): Promise<Record<string, unknown>> {
  const id = /queued as (\S+)/.exec(outcome.response)?.[1] ?? '';
  const shard = Number(/-s(\d+)$/.exec(id)?.[1] ?? 0);
  const tag = shard === 0 ? `{${prefix}}` : `{${prefix}-s${shard}}`;
  const port = (await cluster.masterOf(tag))!.port;
  const ask = async (...args: string[]) => (await redisCli(port, ...args)).trim();
  const jobState = async (queue: string, job: string) => {
    const base = `${tag}:${queue}`;
    const states = await Promise.all(['wait', 'active', 'paused', 'prioritized'].map(async (list) => ((await ask('LPOS', `${base}:${list}`, job)) !== '' ? list : '')));
    const sets = await Promise.all(['delayed', 'failed', 'completed'].map(async (set) => ((await ask('ZSCORE', `${base}:${set}`, job)) !== '' ? set : '')));
    return { exists: await ask('EXISTS', `${base}:${job}`), in: [...states, ...sets].filter(Boolean) };
  };
  return {
    seq: outcome.seq,
    id,
    message: await ask('EXISTS', `${tag}:msg:${id}`),
    pending: await ask('GET', `${tag}:msg:${id}:pending`),
    route: await jobState('route', `r-${id}`),
    deliver: await jobState('deliver', `d-${id}-0`),
    delivered: await ask('EXISTS', `${tag}:delivered:d-${id}-0`),
  };
}

const shardOfReply = (outcome: SendOutcome) => Number(/queued as M[0-9A-Z]{19}(?:-s(\d+))?/.exec(outcome.response)?.[1] ?? 0);

test('Redis Cluster, 3 masters, shards: 3: every message delivered exactly once; a master SIGKILLed mid-run fails over and no acknowledged message is lost', { timeout: 240_000 }, async (t) => {
  const started = Date.now();
  const cluster = await startRedisCluster({ masters: 3, nodeTimeoutMs: 1000 });
  const prefix = await spreadPrefix(cluster);
  const sink = await startCountingSink();
  const system = await startClusterServices({ cluster, prefix, shards: SHARDS, upstreamPort: sink.port });
  after(async () => {
    await system.stop();
    await sink.close();
    await cluster.stop();
  });
  t.diagnostic(`cluster and services up in ${Date.now() - started} ms (prefix ${prefix})`);

  // 1. No fault: every message once, spread over the shards.
  const loadStarted = Date.now();
  const first = await sendNumbered({ port: system.smtpPort, seqs: range(0, COUNT), connections: 16 });
  assert.deepEqual(codes(first), { 250: COUNT }, 'every message accepted');
  await sink.waitForAll(range(0, COUNT), 30_000);
  const elapsed = Date.now() - loadStarted;
  await waitUntil(
    () => sink.total >= COUNT,
    10_000,
    () => `${sink.total} arrivals`,
  );
  assert.equal(sink.duplicates, 0, 'no message delivered twice without a fault');
  const perShard = range(0, SHARDS).map((shard) => first.filter((outcome) => shardOfReply(outcome) === shard).length);
  t.diagnostic(`${COUNT} messages accepted and delivered in ${elapsed} ms; per shard: ${perShard.join(' / ')}`);
  for (const count of perShard) assert.ok(count > COUNT / SHARDS / 2, `each shard takes its part: ${perShard.join(' / ')}`);

  // 2. SIGKILL the master of shard 1 mid-run: its replica is promoted; 250 only for what is kept.
  const victim = (await cluster.masterOf(`{${prefix}-s1}`))!;
  let killedAt = 0;
  const replies: Array<{ at: number; code: number }> = [];
  const before = sink.total;
  const load = sendNumbered({ port: system.smtpPort, seqs: range(COUNT, FAILOVER_COUNT), connections: 16, onOutcome: ({ code }) => replies.push({ at: Date.now(), code }) });
  await waitUntil(
    () => sink.total - before >= FAILOVER_COUNT / 4,
    30_000,
    () => `only ${sink.total - before} delivered before the kill`,
  );
  killedAt = Date.now();
  await cluster.kill(victim);
  const promoted = await cluster.waitForMasterOf(`{${prefix}-s1}`, 45_000);
  const failoverMs = Date.now() - killedAt;
  const outcomes = await load;
  const owed = accepted(outcomes);
  const notAccepted = replies.filter((reply) => reply.at >= killedAt && reply.code !== 250);
  const window = notAccepted.length > 0 ? notAccepted.at(-1)!.at - notAccepted[0]!.at : 0;
  t.diagnostic(`killed master ${victim.port}; replica ${promoted.port} serves shard 1 after ${failoverMs} ms; replies ${JSON.stringify(codes(outcomes))}; non-250 replies spanned ${window} ms`);
  assert.notEqual(promoted.port, victim.port);
  assert.deepEqual(
    Object.keys(codes(outcomes)).filter((code) => code !== '250' && code !== '451'),
    [],
    'every reply is 250 or 451',
  );
  assert.ok(owed.length > FAILOVER_COUNT / 2, 'most messages were accepted through the failover');
  await sink.waitForAll(owed, 30_000).catch(async (error: unknown) => {
    // Where the missing ones are, so a failure says whether Redis lost them or a stage holds them.
    const missing = outcomes.filter((outcome) => outcome.code === 250 && !sink.arrivals.has(outcome.seq));
    t.diagnostic(`missing: ${JSON.stringify(await Promise.all(missing.slice(0, 5).map((outcome) => whereIs(cluster, prefix, outcome))))}`);
    const ids = new Set(missing.map((outcome) => /queued as (\S+)/.exec(outcome.response)?.[1]));
    const logged = system.services.flatMap((service) => service.logs.filter((line) => ids.has(line.id as string)).map((line) => `${service.name}: ${line.code ?? ''} ${line.msg}`));
    t.diagnostic(`their log lines: ${JSON.stringify(logged.slice(0, 10))}`);
    throw error;
  });
  const duplicates = sink.duplicates;
  // What the outage wrote: JSON lines only (one per connection state change), no raw stack traces.
  const raw = system.services.flatMap((service) => service.stderr.flatMap((chunk) => chunk.split('\n')).filter((line) => line.trim() !== ''));
  const redisLines = system.services.flatMap((service) => service.logs.filter((line) => typeof line.code === 'string' && String(line.code).startsWith('REDIS_')));
  t.diagnostic(`services wrote ${raw.length} non-JSON stderr lines and ${redisLines.length} REDIS_* log lines during the run`);
  assert.deepEqual(raw.slice(0, 5), [], "nothing but JSON lines on the services' output");
  const nodeDown = redisLines.filter((line) => line.code === 'REDIS_UNAVAILABLE' && line.node === victim.address);
  assert.ok(nodeDown.length > 0, 'the dead master is logged as unavailable');
  assert.ok(redisLines.length < 200, `a bounded number of lines, one per connection and change: ${redisLines.length}`);
  t.diagnostic(
    `${owed.length} acknowledged during the failover run, all delivered (0 lost); ${duplicates} duplicate deliveries (${((100 * duplicates) / owed.length).toFixed(2)} %); test took ${Date.now() - started} ms`,
  );
});
