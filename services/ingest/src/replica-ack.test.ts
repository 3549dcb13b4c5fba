import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startInProcess, type InProcess } from '../../../test/support/in-process.js';
import { createPrivateRedis, type PrivateRedis } from '../../../test/support/private-redis.js';
import { testRedis } from '../../../test/support/redis.js';
import { sendOnce } from '../../../test/support/send-once.js';
import { waitUntil } from '../../../test/support/wait.js';
import { createIngestService, type IngestService } from './ingest-service.js';

// A master and one replica of the test's own: the replica is SIGKILLed to make WAIT fall short.
let master: PrivateRedis;
let replica: PrivateRedis;
let look: ReturnType<typeof testRedis>;
let ingest: InProcess & { service: IngestService };
let port: number;

const mail = (subject: string) => ({ envelope: { from: 'ci@example.com', to: ['team@example.net'] }, raw: `From: ci@example.com\r\nTo: team@example.net\r\nSubject: ${subject}\r\n\r\nbody\r\n` });

before(async () => {
  master = await createPrivateRedis();
  await master.start();
  replica = await createPrivateRedis({ extraArgs: ['--replicaof', '127.0.0.1', String(master.port)] });
  await replica.start();
  look = testRedis(master.url);
  // Online, not only connected: a replica still loading its first sync acknowledges nothing.
  await waitUntil(async () => /slave0:.*state=online/.test(await look.info('replication')), 20_000, 'replica online at the master');
  ingest = await startInProcess(
    'replica-ack',
    createIngestService,
    {
      http: { host: '127.0.0.1' },
      ingest: { hostname: 'mailsort.test', listeners: [{ name: 'smtp', host: '127.0.0.1', port: 0 }], trusted_networks: ['127.0.0.1/32'] },
      upstreams: [{ name: 'default', host: '127.0.0.1', port: 9, tls: 'none' }],
      redis: { min_replicas_acked: 1, replica_ack_timeout: '300ms' },
    },
    { redisUrl: master.url },
  );
  port = ingest.service.listenerPorts().smtp!;
});

after(async () => {
  await ingest.stop();
  look.disconnect();
  await replica.kill();
  await master.kill();
});

test('with min_replicas_acked 1, a message the replica confirmed gets 250, and is on the replica', async () => {
  const result = await sendOnce(port, mail('replicated'));
  assert.equal(result.code, 250, result.response);
  const id = /queued as (\S+)/.exec(result.response)![1]!;
  const onReplica = testRedis(replica.url);
  try {
    assert.ok((await onReplica.keys(`${ingest.prefix}*${id}*`)).length > 0, 'the stored message is on the replica when the client hears 250');
  } finally {
    onReplica.disconnect();
  }
});

test('regression: with the replica gone, ingest answers 451 4.3.0 within the replica timeout and withdraws the message, instead of 250 for a copy on one machine', async () => {
  await replica.kill();
  await waitUntil(async () => /connected_slaves:0/.test(await look.info('replication')), 20_000, 'the master to see its replica gone');
  const keysBefore = await look.dbsize();
  const result = await sendOnce(port, mail('not replicated'));
  assert.equal(result.code, 451, result.response);
  assert.match(result.response, /^451 4\.3\.0 Temporary failure: the message could not be replicated/);
  assert.ok(result.ms < 3000, `answered in ${result.ms} ms, not at the store timeout`);
  await waitUntil(async () => (await ingest.metric('mailsort_ingest_messages_rejected_total', { reason: 'not_replicated' })) === 1, 5000, 'the refusal counted as not_replicated');
  const line = await ingest.waitForLog((entry) => entry.code === 'REPLICA_ACK_TIMEOUT', 'a REPLICA_ACK_TIMEOUT line');
  assert.equal(line.result, 'deferred');
  // The withdrawal ran: no message and no route job of it are left to be delivered.
  await waitUntil(
    async () => (await look.dbsize()) <= keysBefore,
    5000,
    () => 'the withdrawn message and its route job to be gone',
  );
  const waiting = await look.zcard(`${ingest.prefix}:route:prioritized`);
  assert.equal(waiting + (await look.llen(`${ingest.prefix}:route:wait`)), 1, 'only the first message route job waits (no router runs here)');
});

test('regression: with the replica gone, 20 concurrent sessions all hear 451 not_replicated within about 2 × the replica timeout, none a store timeout', async () => {
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => sendOnce(port, mail(`concurrent ${i}`))));
  for (const result of results) assert.match(result.response, /^451 4\.3\.0 Temporary failure: the message could not be replicated/);
  const slowest = Math.max(...results.map((result) => result.ms));
  // One WAIT after another would answer the last after 20 × 300 ms = 6 s.
  assert.ok(slowest < 3000, `the slowest session was answered after ${slowest} ms`);
  assert.equal(await ingest.metric('mailsort_ingest_messages_rejected_total', { reason: 'store_timeout' }), 0);
});
