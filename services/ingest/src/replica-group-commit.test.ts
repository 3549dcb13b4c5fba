import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLogger, createRedisFactory, errorCodeOf, loadConfig, redisTargetOf } from '@mailsort/core';
import { createPrivateRedis, type PrivateRedis } from '../../../test/support/private-redis.js';
import { testRedis } from '../../../test/support/redis.js';
import { waitUntil } from '../../../test/support/wait.js';
import { connectionGeneration } from './connection-generation.js';
import { replicaAck, replicaVerdict, type ReplicaVerdict } from './replica-ack.js';

const verdicts: Array<{ name: string; wanted: number; acked: number; wroteOn: number; repliedOn: number; expected: ReplicaVerdict }> = [
  { name: 'enough replicas, same connection', wanted: 1, acked: 1, wroteOn: 0, repliedOn: 0, expected: 'replicated' },
  { name: 'more than enough', wanted: 1, acked: 2, wroteOn: 3, repliedOn: 3, expected: 'replicated' },
  { name: 'too few', wanted: 2, acked: 1, wroteOn: 0, repliedOn: 0, expected: 'too_few' },
  { name: 'none', wanted: 1, acked: 0, wroteOn: 0, repliedOn: 0, expected: 'too_few' },
  { name: 'enough, but the reply came on a later connection (a re-sent WAIT on a new master)', wanted: 1, acked: 1, wroteOn: 0, repliedOn: 2, expected: 'reconnected' },
  { name: 'too few on a later connection', wanted: 1, acked: 0, wroteOn: 1, repliedOn: 2, expected: 'reconnected' },
];
for (const { name, expected, ...reply } of verdicts) {
  test(`a WAIT reply: ${name} → ${expected}`, () => assert.equal(replicaVerdict(reply), expected));
}

// A master of the test's own, and a replica that is SIGSTOPped when it must not acknowledge.
let master: PrivateRedis;
let replica: PrivateRedis;
let look: ReturnType<typeof testRedis>;
const logger = createLogger({ service: 'group-commit', level: 'silent' });

function acceptorOn(url: string, timeout: string) {
  const config = loadConfig({ file: 'm.yml', text: `redis: { url: "${url}", min_replicas_acked: 1, replica_ack_timeout: ${timeout} }\nupstreams: [{ name: default, host: mx }]` }, {}).config;
  const factory = createRedisFactory({ target: redisTargetOf(config.redis), name: 'group-commit', logger });
  const acceptor = factory.connect('acceptor');
  const generation = connectionGeneration(acceptor);
  return { factory, acceptor, generation, ack: replicaAck(acceptor, generation, config.redis, logger) };
}

before(async () => {
  master = await createPrivateRedis();
  await master.start();
  look = testRedis(master.url);
});

after(async () => {
  look.disconnect();
  await replica?.kill();
  await master.kill();
});

test('regression: with no replica, 20 concurrent accepts share WAITs and all hear REPLICA_ACK_TIMEOUT within about 2 × the timeout, not one after the other', async () => {
  const { factory, acceptor, generation, ack } = acceptorOn(master.url, '300ms');
  try {
    await factory.whenReady(5000);
    await look.config('RESETSTAT');
    const started = Date.now();
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const wroteOn = generation.current();
        await acceptor.set(`group-commit:${i}`, 'x');
        try {
          await ack.confirm(wroteOn);
          return { code: 'confirmed', ms: Date.now() - started };
        } catch (error) {
          return { code: errorCodeOf(error), ms: Date.now() - started };
        }
      }),
    );
    assert.deepEqual(new Set(outcomes.map((o) => o.code)), new Set(['REPLICA_ACK_TIMEOUT']));
    const slowest = Math.max(...outcomes.map((o) => o.ms));
    // Serial WAITs would take 20 × 300 ms = 6 s; shared ones 2 × 300 ms plus the machine's noise.
    assert.ok(slowest < 1500, `the slowest accept answered after ${slowest} ms`);
    const waits = Number(/cmdstat_wait:calls=(\d+)/.exec(await look.info('commandstats'))?.[1]);
    assert.ok(waits <= 3, `${waits} WAITs for 20 accepts`);
  } finally {
    await factory.quitAll();
  }
});

test('regression: a WAIT pending when the connection drops fails the accept at once (REDIS_UNAVAILABLE); it is not re-sent on the new connection, whose reply would say nothing of the write (on a new master: a 250 for a write it never had)', async () => {
  replica = await createPrivateRedis({ extraArgs: ['--replicaof', '127.0.0.1', String(master.port)] });
  await replica.start();
  await waitUntil(async () => /slave0:.*state=online/.test(await look.info('replication')), 20_000, 'replica online at the master');
  const onReplica = testRedis(replica.url);
  const replicaPid = Number(/process_id:(\d+)/.exec(await onReplica.info('server'))?.[1]);
  onReplica.disconnect();
  const { factory, acceptor, generation, ack } = acceptorOn(master.url, '5s');
  try {
    await factory.whenReady(5000);
    const clientId = await acceptor.client('ID');
    // Stopped, the replica takes the write but acknowledges nothing: the WAIT stays pending.
    process.kill(replicaPid, 'SIGSTOP');
    const wroteOn = generation.current();
    await acceptor.set('group-commit:dropped', 'x');
    const started = Date.now();
    const outcome = ack.confirm(wroteOn).then(
      () => 'confirmed',
      (error: unknown) => errorCodeOf(error),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await look.client('KILL', 'ID', String(clientId));
    assert.equal(await outcome, 'REDIS_UNAVAILABLE');
    assert.ok(Date.now() - started < 3000, 'failed at the drop, not at the WAIT timeout');
    // The connection is back, and a new accept is confirmed on it once the replica acknowledges.
    process.kill(replicaPid, 'SIGCONT');
    await factory.whenReady(5000);
    const again = generation.current();
    await acceptor.set('group-commit:after', 'x');
    await ack.confirm(again);
  } finally {
    process.kill(replicaPid, 'SIGCONT');
    await factory.quitAll();
  }
});
