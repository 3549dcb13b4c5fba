import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { storeKeys } from '@mailsort/core';
import { SEQ_HEADER, startCountingSink } from './support/counting-sink.js';
import { createPrivateRedis } from './support/private-redis.js';
import { testRedis } from './support/redis.js';
import { sendOnce } from './support/send-once.js';
import { startSystem } from './support/system.js';

const sendRaw = (port: number, raw: Buffer) => sendOnce(port, { envelope: { from: 'ci@example.com', to: ['team@example.com'] }, raw }, 60_000);

/** A message whose "header section" never ends with a blank line: one field, then megabytes of control bytes. */
function withoutBlankLine(seq: number, mebibytes: number): Buffer {
  const line = Buffer.concat([Buffer.alloc(998, 0x01), Buffer.from('\r\n')]);
  const lines = Math.ceil((mebibytes * 1024 * 1024) / line.length);
  return Buffer.concat([Buffer.from(`${SEQ_HEADER}: ${seq}\r\nSubject: no blank line\r\n`), ...Array.from({ length: lines }, () => line)]);
}

test('regression: five 9 MiB messages without a blank line at once were answered 451 and delivered twice — each is accepted and delivered once', async () => {
  const sink = await startCountingSink();
  const system = await startSystem({ name: 'accept-big-headerless', upstreamPort: sink.port, services: ['sender', 'router', 'ingest'] });
  after(async () => {
    await system.stop();
    await sink.close();
  });
  const seqs = [1, 2, 3, 4, 5];
  const outcomes = await Promise.all(seqs.map((seq) => sendRaw(system.smtpPort, withoutBlankLine(seq, 9))));
  assert.deepEqual(
    outcomes.map((outcome) => outcome.code),
    [250, 250, 250, 250, 250],
    JSON.stringify(outcomes.map((o) => o.response)),
  );
  await sink.waitForAll(seqs, 30_000);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.equal(sink.duplicates, 0, 'no message arrived twice');
  assert.equal(sink.distinct, 5);
});

test('a header section over max_header_size is refused 552 and nothing is stored', async () => {
  const sink = await startCountingSink();
  const system = await startSystem({
    name: 'accept-header-limit',
    upstreamPort: sink.port,
    services: ['ingest'],
    extra: { ingest: { hostname: 'mailsort.test', listeners: [{ name: 'smtp', host: '127.0.0.1', port: 0 }], limits: { max_header_size: '64KiB' } } },
  });
  after(async () => {
    await system.stop();
    await sink.close();
  });
  const port = (await system.service('ingest').waitForLog((line) => line.msg === 'listening')).address as { port: number };
  const fields = Array.from({ length: 2000 }, (_, i) => `X-Filler-${i}: ${'v'.repeat(60)}\r\n`).join('');
  const outcome = await sendRaw(port.port, Buffer.from(`Subject: many fields\r\n${fields}\r\nbody\r\n`));
  assert.equal(outcome.code, 552);
  assert.match(outcome.response, /5\.3\.4 Message header section exceeds/);
  const redis = testRedis();
  after(() => redis.disconnect());
  assert.deepEqual(await redis.keys(`${system.prefix}:msg:*`), []);
});

test('regression: a write Redis ran after the client was told 451 was delivered anyway — the late copy is withdrawn', async () => {
  const redis = await createPrivateRedis();
  await redis.start();
  const sink = await startCountingSink();
  const system = await startSystem({
    name: 'accept-withdraw',
    upstreamPort: sink.port,
    services: ['sender', 'router', 'ingest'],
    env: { REDIS_URL: redis.url },
    extra: { ingest: { hostname: 'mailsort.test', listeners: [{ name: 'smtp', host: '127.0.0.1', port: 0 }], limits: { store_timeout: '500ms' } } },
  });
  const client = testRedis(redis.url);
  after(async () => {
    await system.stop();
    client.disconnect();
    await redis.kill();
    await sink.close();
  });
  const port = ((await system.service('ingest').waitForLog((line) => line.msg === 'listening')).address as { port: number }).port;
  const message = (seq: number) => Buffer.from(`${SEQ_HEADER}: ${seq}\r\nSubject: slow redis\r\n\r\nbody\r\n`);
  assert.equal((await sendRaw(port, message(1))).code, 250, 'a first message primes every connection');
  await sink.waitForAll([1], 15_000);

  // Redis holds every write for 2 s: ingest's write is sent, then ingest gives up at 500 ms.
  await client.call('CLIENT', 'PAUSE', '2000', 'WRITE');
  const late = await sendRaw(port, message(2));
  assert.equal(late.code, 451, late.response);
  assert.ok(late.ms < 1800, `answered while Redis still held the write (${late.ms} ms)`);

  // Redis now runs the write, then the withdrawal queued behind it.
  await new Promise((resolve) => setTimeout(resolve, 4000));
  assert.equal(sink.arrivals.get(2), undefined, 'the copy the client was told 451 for was never delivered');
  assert.deepEqual(await client.keys(storeKeys(system.prefix).message('*')), [], 'the late copy is not kept either');

  // The client sends it again, as told: it arrives once.
  assert.equal((await sendRaw(port, message(2))).code, 250);
  await sink.waitForAll([2], 15_000);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.equal(sink.arrivals.get(2), 1);
  assert.ok(
    system.service('ingest').logs.some((line) => line.code === 'STORE_TIMEOUT'),
    'the 451 is logged with its code',
  );
});
