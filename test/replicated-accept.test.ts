import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createIngestService } from '../services/ingest/src/ingest-service.js';
import { createRouterService } from '../services/router/src/router-service.js';
import { createSenderService } from '../services/sender/src/sender-service.js';
import { startCountingSink } from './support/counting-sink.js';
import { startInProcess, type InProcess } from './support/in-process.js';
import { createPrivateRedis, type PrivateRedis } from './support/private-redis.js';
import { testRedis, uniquePrefix } from './support/redis.js';
import { sendOnce } from './support/send-once.js';
import { waitUntil } from './support/wait.js';

// Ingest, router and sender on a master of the test's own that has no replica at first, with
// min_replicas_acked 1: what the client hears and what reaches the upstream must agree.
const REPLICA_ACK_TIMEOUT_MS = 1000;
const STORE_TIMEOUT_MS = 4000;
let master: PrivateRedis;
let replica: PrivateRedis | undefined;
let look: ReturnType<typeof testRedis>;
let sink: Awaited<ReturnType<typeof startCountingSink>>;
const services: InProcess[] = [];
let smtpPort: number;

const mail = (subject: string) => ({ envelope: { from: 'ci@example.com', to: ['team@example.net'] }, raw: `From: ci@example.com\r\nTo: team@example.net\r\nSubject: ${subject}\r\n\r\nbody\r\n` });

before(async () => {
  master = await createPrivateRedis();
  await master.start();
  look = testRedis(master.url);
  sink = await startCountingSink();
  const prefix = uniquePrefix('replicated-accept');
  const config = {
    http: { host: '127.0.0.1' },
    ingest: {
      hostname: 'mailsort.test',
      listeners: [{ name: 'smtp', host: '127.0.0.1', port: 0 }],
      trusted_networks: ['127.0.0.1/32'],
      limits: { store_timeout: `${STORE_TIMEOUT_MS}ms` },
    },
    upstreams: [{ name: 'default', host: '127.0.0.1', port: sink.port, tls: 'none' }],
    redis: { min_replicas_acked: 1, replica_ack_timeout: `${REPLICA_ACK_TIMEOUT_MS}ms` },
  };
  const options = { prefix, redisUrl: master.url };
  services.push(await startInProcess('replicated-accept-sender', createSenderService, config, options));
  services.push(await startInProcess('replicated-accept-router', createRouterService, config, options));
  const ingest = await startInProcess('replicated-accept-ingest', createIngestService, config, options);
  services.push(ingest);
  smtpPort = ingest.service.listenerPorts().smtp!;
});

after(async () => {
  for (const service of services.reverse()) await service.stop();
  await sink.down();
  look.disconnect();
  await replica?.kill();
  await master.kill();
});

test('regression: with no replica every attempt hears 451 and no copy reaches the upstream (the route job is held until the WAIT answered, then removed)', async () => {
  const ingest = services.at(-1)!;
  const logged = ingest.logs.find((line) => line.code === 'REPLICAS_TOO_FEW');
  assert.ok(logged, 'ingest warned at start that the master has fewer replicas than min_replicas_acked');
  for (let attempt = 1; attempt <= 3; attempt++) {
    const result = await sendOnce(smtpPort, mail(`attempt ${attempt}`));
    assert.equal(result.code, 451, result.response);
    assert.match(result.response, /could not be replicated/);
  }
  // Before the hold, a router took each job while its WAIT was pending: a copy per attempt.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(sink.total, 0, `${sink.total} copies of messages answered 451 reached the upstream`);
  const prefix = ingest.prefix;
  const left = (await look.zcard(`${prefix}:route:delayed`)) + (await look.llen(`${prefix}:route:wait`)) + (await look.zcard(`${prefix}:route:prioritized`));
  assert.equal(left, 0, 'no held route job is left to run when its hold ends');
});

test('with a replica, 250 and exactly one copy, delivered at once (released, not after its hold)', async () => {
  replica = await createPrivateRedis({ extraArgs: ['--replicaof', '127.0.0.1', String(master.port)] });
  await replica.start();
  await waitUntil(async () => /slave0:.*state=online/.test(await look.info('replication')), 20_000, 'replica online at the master');
  const result = await sendOnce(smtpPort, mail('replicated'));
  assert.equal(result.code, 250, result.response);
  const answered = Date.now();
  await waitUntil(() => sink.total >= 1, STORE_TIMEOUT_MS + REPLICA_ACK_TIMEOUT_MS + 5000, 'the message at the upstream', 10);
  const latency = Date.now() - answered;
  assert.ok(latency < STORE_TIMEOUT_MS, `delivered ${latency} ms after the 250: it waited for its hold (${STORE_TIMEOUT_MS + REPLICA_ACK_TIMEOUT_MS} ms)`);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(sink.total, 1);
});
