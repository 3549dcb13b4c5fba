import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createMessageStore, createQueue, jobId, QUEUES, type RouteJob } from '@mailsort/core';
import { Conversation, hashOf, makeCert, plainAuth } from '../../../test/ingest-helpers.js';
import { startInProcess, type InProcess } from '../../../test/support/in-process.js';
import { testRedis } from '../../../test/support/redis.js';
import { createIngestService, type IngestService } from './ingest-service.js';

// In-process: the service as main.ts builds it, talked to over loopback. 127.0.0.1 is the
// trusted network; 127.0.0.2 is an untrusted client.
const UNTRUSTED = '127.0.0.2';
const cert = makeCert();

function ingestConfig(users: Array<{ username: string; password: string }>) {
  return {
    http: { host: '127.0.0.1' },
    ingest: {
      hostname: 'mailsort.test',
      listeners: [{ name: 'smtp', host: '127.0.0.1', port: 0, tls: 'starttls' }],
      trusted_networks: ['127.0.0.1/32'],
      tls: { cert_file: cert.certFile, key_file: cert.keyFile },
      users: users.map(({ username, password }) => ({ username, password_hash: hashOf(password), allowed_senders: [`${username}@example.com`] })),
      limits: { max_header_size: '1KiB' },
    },
    upstreams: [{ name: 'default', host: '127.0.0.1', port: 9, tls: 'none' }],
  };
}

const redis = testRedis();
let routeQueue: ReturnType<typeof createQueue>;
let ingest: InProcess & { service: IngestService };
let port: number;

before(async () => {
  ingest = await startInProcess('ingest-service', createIngestService, ingestConfig([{ username: 'alert', password: 'first' }]));
  port = ingest.service.listenerPorts().smtp!;
  routeQueue = createQueue(QUEUES.route, redis, ingest.prefix);
});

after(async () => {
  await routeQueue.close();
  await ingest.cleanUp();
  redis.disconnect();
});

async function greeted(localAddress?: string): Promise<Conversation> {
  const client = await Conversation.plain(port, localAddress);
  assert.equal((await client.reply()).code, 220);
  assert.equal((await client.command('EHLO client.test')).code, 250);
  return client;
}

async function sendData(client: Conversation, lines: string[]): Promise<{ code: number; text: string }> {
  assert.equal((await client.command('DATA')).code, 354);
  return client.command(`${lines.join('\r\n')}\r\n.`);
}

function queuedId(text: string): string {
  const match = /^250 2\.0\.0 Ok: queued as (M\w{19})$/.exec(text);
  assert.ok(match, `a queued reply: ${text}`);
  return match[1]!;
}

test('a trusted client is answered 250 only with the message stored and its route job queued', async () => {
  const client = await greeted();
  assert.equal((await client.command('MAIL FROM:<ci@example.com>')).code, 250);
  assert.equal((await client.command('RCPT TO:<team@example.com>')).code, 250);
  const id = queuedId((await sendData(client, ['From: ci@example.com', 'To: team@example.com', 'Subject: build 7', '', 'green'])).text);
  client.end();
  const job = await routeQueue.getJob(jobId('route', id));
  assert.deepEqual((job!.data as RouteJob).envelope, { from: 'ci@example.com', to: ['team@example.com'] });
  assert.equal((job!.data as RouteJob).client.tls, false);
  const stored = (await createMessageStore(redis, ingest.prefix).get(id))?.toString('latin1') ?? '';
  assert.match(stored, /^Received: from client\.test \(\[127\.0\.0\.1\]\)\r\n\tby mailsort\.test \(mailsort\) with ESMTP id /, 'the trace header is stored first');
  assert.match(stored, /Subject: build 7\r\n\r\ngreen/);
  assert.equal(await ingest.metric('mailsort_ingest_messages_accepted_total', { via: 'trusted' }), 1);
});

test('an untrusted, unauthenticated client is refused relay with 550 5.7.1 at RCPT, logged with its code and counted', async () => {
  const client = await greeted(UNTRUSTED);
  assert.equal((await client.command('MAIL FROM:<ceo@example.com>')).code, 250);
  const reply = await client.command('RCPT TO:<victim@example.net>');
  client.end();
  assert.equal(reply.text, '550 5.7.1 Relay access denied: authenticate (AUTH after STARTTLS) or send from a trusted network');
  const line = await ingest.waitForLog((entry) => entry.msg === 'transaction refused' && entry.reason === 'relay_denied', 'the relay refusal');
  assert.equal(line.code, 'RELAY_DENIED');
  assert.equal(line.client, UNTRUSTED);
  assert.equal(await ingest.metric('mailsort_ingest_messages_rejected_total', { reason: 'relay_denied' }), 1);
});

test('a header section over max_header_size is answered 552 5.3.4 and nothing is queued', async () => {
  const queuedBefore = await routeQueue.count();
  const client = await greeted();
  assert.equal((await client.command('MAIL FROM:<ci@example.com>')).code, 250);
  assert.equal((await client.command('RCPT TO:<team@example.com>')).code, 250);
  const headers = Array.from({ length: 20 }, (_, n) => `X-Padding-${n}: ${'x'.repeat(80)}`);
  const reply = await sendData(client, ['From: ci@example.com', ...headers, 'Subject: too many headers', '', 'body']);
  client.end();
  assert.equal(reply.text, '552 5.3.4 Message header section exceeds fixed maximum size');
  assert.equal(await routeQueue.count(), queuedBefore, 'no route job');
  assert.equal(await ingest.metric('mailsort_ingest_messages_rejected_total', { reason: 'header_too_big' }), 1);
  assert.equal(await ingest.metric('mailsort_ingest_messages_rejected_total', { reason: 'too_big' }), 0, 'not the message-size branch');
});

async function authenticated(username: string, password: string): Promise<{ client: Conversation; reply: string }> {
  const client = await greeted(UNTRUSTED);
  assert.equal((await client.command('STARTTLS')).code, 220);
  await client.startTls();
  assert.equal((await client.command('EHLO client.test')).code, 250);
  return { client, reply: (await client.command(plainAuth(username, password))).text };
}

test('reload() swaps the users: the next session checks the new password, and an authenticated client may relay', async () => {
  const before = await authenticated('alert', 'first');
  before.client.end();
  assert.equal(before.reply, '235 Authentication successful');

  await ingest.service.reload!(
    ingest.configWith(
      ingestConfig([
        { username: 'alert', password: 'second' },
        { username: 'backup', password: 'third' },
      ]),
    ),
  );

  const old = await authenticated('alert', 'first');
  old.client.end();
  assert.equal(old.reply, '535 5.7.8 Authentication credentials invalid');
  assert.equal(await ingest.metric('mailsort_ingest_auth_failures_total', { reason: 'invalid_credentials' }), 1);

  const added = await authenticated('backup', 'third');
  added.client.end();
  assert.equal(added.reply, '235 Authentication successful');

  const { client, reply } = await authenticated('alert', 'second');
  assert.equal(reply, '235 Authentication successful');
  assert.equal((await client.command('MAIL FROM:<alert@example.com>')).code, 250);
  assert.equal((await client.command('RCPT TO:<oncall@example.net>')).code, 250, 'relay allowed once authenticated');
  const id = queuedId((await sendData(client, ['From: alert@example.com', 'Subject: disk full', '', 'df'])).text);
  client.end();
  const job = await routeQueue.getJob(jobId('route', id));
  assert.deepEqual((job!.data as RouteJob).client, { address: UNTRUSTED, tls: true, helo: 'client.test', user: 'alert' });
  assert.equal(await ingest.metric('mailsort_ingest_messages_accepted_total', { via: 'authenticated' }), 1);
});
