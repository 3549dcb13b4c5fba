import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import nodemailer from 'nodemailer';
import { startSink } from './support/sink.js';
import { testRedis } from './support/redis.js';
import { startSystem } from './support/system.js';

const RAW = [
  'From: CI <ci@example.com>',
  'To: team@example.com',
  'Subject: Build failed in Jenkins: api #42',
  'Message-ID: <skeleton-1@example.com>',
  'X-Odd-Header:   kept   exactly  ',
  '',
  'Line one.',
  '.a line that starts with a dot',
  '',
  'Trailing line with UTF-8: caf\u00e9',
  '',
].join('\r\n');

test('a message sent to ingest reaches the upstream byte for byte, and its queue id is in every service log', async (t) => {
  const sink = await startSink();
  const system = await startSystem({ name: 'skeleton', upstreamPort: sink.port });
  after(async () => {
    await system.stop();
    await sink.close();
  });

  const client = nodemailer.createTransport({ host: '127.0.0.1', port: system.smtpPort, secure: false, ignoreTLS: true });
  const info = await client.sendMail({ envelope: { from: 'ci@example.com', to: ['team@example.com'] }, raw: Buffer.from(RAW, 'utf8') });
  const match = /^250 2\.0\.0 Ok: queued as (M[0-9A-Z]{19})$/.exec(info.response);
  assert.ok(match, `unexpected reply: ${info.response}`);
  const id = match[1]!;

  const [delivered] = await sink.waitForMessages(1);
  const text = delivered!.raw.toString('utf8');
  assert.match(text, /^Received: from [^\r\n]+\r\n(\t[^\r\n]+\r\n)+/, 'a Received: header is prepended');
  assert.match(text, new RegExp(`with ESMTP id ${id}\\r\\n`));
  const afterTrace = text.replace(/^Received: [^\r\n]+\r\n(\t[^\r\n]+\r\n)+/, '');
  assert.equal(afterTrace, RAW, 'everything after the trace header is byte for byte what the client sent');
  assert.deepEqual(delivered!.to, ['team@example.com']);
  assert.equal(delivered!.from, 'ci@example.com');

  for (const name of ['ingest', 'router', 'sender']) {
    await system.service(name).waitForLog((line) => line.id === id);
  }
  // patches/bullmq@6.7.0.patch: nothing reads BullMQ's events streams, so none is written (a
  // BullMQ upgrade that loses the patch shows here, not only as ten Redis commands per message more).
  const redis = testRedis();
  const [, keys] = await redis.scan('0', 'MATCH', `*${system.prefix}*:events`, 'COUNT', 100_000);
  redis.disconnect();
  assert.deepEqual(keys, [], 'no BullMQ events stream');
  await t.test('every service exits 0 on SIGTERM', async () => {
    assert.deepEqual(await system.stop(), [0, 0, 0, 0]);
  });
});
