import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createQueue, jobId, QUEUES, routeJobSchema } from '@mailsort/core';
import { testRedis } from './support/redis.js';
import { cleanPrefix, Conversation, metricValue, startIngestSystem, storedMessageKeys, type IngestSystem } from './ingest-helpers.js';
import { flood, peakGrowth, rawSocket, readUntilClosed, replyCodes } from './hostile-helpers.js';

// Small limits so that every flood reaches them quickly. Loopback is trusted: these clients
// may relay, the attacks here are about resources, not about who may send.
const LIMITS = { max_message_size: '1MiB', max_recipients: 100, max_connections: 5, socket_timeout: '1s' };
const MiB = 1024 * 1024;
let system: IngestSystem;

before(async () => {
  system = await startIngestSystem({
    name: 'hostile-floods',
    listeners: [{ name: 'smtp', tls: 'none' }],
    ingest: { trusted_networks: ['127.0.0.0/8'], limits: LIMITS },
  });
});

after(async () => {
  await system.stop();
  await cleanPrefix(system.prefix);
});

const pid = () => system.ingest.child.pid!;

/** One complete transaction on a fresh connection; resolves with the final reply. */
async function sendOne(subject: string): Promise<string> {
  const smtp = await Conversation.plain(system.ports.smtp!);
  assert.equal((await smtp.reply()).code, 220);
  assert.equal((await smtp.command('EHLO client.test')).code, 250);
  assert.equal((await smtp.command('MAIL FROM:<ci@example.com>')).code, 250);
  assert.equal((await smtp.command('RCPT TO:<team@example.com>')).code, 250);
  assert.equal((await smtp.command('DATA')).code, 354);
  const end = await smtp.command(`Subject: ${subject}\r\n\r\nbody\r\n.`);
  await smtp.command('QUIT');
  smtp.end();
  return end.text;
}

/** Stored message keys now, to show that what was accepted before an attack is still there. */
async function acceptedBeforeAttack(subject: string): Promise<string[]> {
  assert.match(await sendOne(subject), /^250 2\.0\.0 Ok: queued as M/);
  return storedMessageKeys(system.prefix);
}

async function stillStored(keys: string[]): Promise<void> {
  const now = new Set(await storedMessageKeys(system.prefix));
  assert.ok(
    keys.every((key) => now.has(key)),
    'every message accepted before the attack is still stored',
  );
}

test('a client pipelining thousands of RCPTs gets 100 accepted and 452 4.5.3 for the rest; the message goes to 100 recipients', async () => {
  const socket = await rawSocket(system.ports.smtp!);
  const replies = readUntilClosed(socket);
  const rcpts = Array.from({ length: 5000 }, (_, i) => `RCPT TO:<user${i}@example.com>\r\n`).join('');
  // Waits for the greeting only because an early talker is refused outright (tested in ingest-refusals).
  await new Promise((resolve) => socket.once('data', resolve));
  socket.write(`EHLO flood.test\r\nMAIL FROM:<ci@example.com>\r\n${rcpts}DATA\r\nSubject: rcpt flood\r\n\r\nbody\r\n.\r\nQUIT\r\n`);
  const text = await replies;
  const codes = replyCodes(text);
  assert.equal(codes.filter((code) => code === 452).length, 4900);
  assert.match(text, /^452 4\.5\.3 Too many recipients$/m);
  assert.equal(codes.filter((code) => code === 250).length, 1 + 1 + 100 + 1, 'EHLO, MAIL, 100 RCPTs, the message');
  const id = /queued as (M[0-9A-Z]{19})/.exec(text)?.[1];
  assert.ok(id, text.slice(-300));
  const redis = testRedis();
  const queue = createQueue(QUEUES.route, redis, system.prefix);
  try {
    const job = routeJobSchema.parse((await queue.getJob(jobId('route', id)))?.data);
    assert.equal(job.envelope.to.length, 100);
    assert.equal(job.envelope.to[99], 'user99@example.com');
  } finally {
    await queue.close();
    redis.disconnect();
  }
});

test('a client that pipelines commands and never reads the replies is throttled by backpressure, bounded in memory, and closed', async (t) => {
  const kept = await acceptedBeforeAttack('before the pipelining flood');
  const growth = peakGrowth(pid());
  const socket = await rawSocket(system.ports.smtp!);
  await new Promise((resolve) => socket.once('data', resolve));
  const noops = Buffer.from('EHLO flood.test\r\n'.repeat(4000));
  const { written, stalled } = await flood(socket, noops, 64 * MiB);
  assert.ok(stalled, `ingest kept reading ${written} bytes of commands whose replies nobody read`);
  const grownKiB = growth();
  // Every command read before the backpressure held is answered (4 MB of EHLOs: ~37 MB of
  // replies, 8 s on a quiet machine), then socket_timeout closes the idle session.
  await readUntilClosed(socket, 90_000);
  t.diagnostic(`the flood got ${written} bytes in before ingest stopped reading; its peak memory grew by ${grownKiB} KiB`);
  assert.ok(grownKiB < 64 * 1024, `ingest grew by ${grownKiB} KiB under the flood`);
  assert.match(await sendOne('after the pipelining flood'), /^250 /, 'ingest still serves others');
  await stillStored(kept);
});

test('a command line longer than 16 KiB is answered 421 and the connection closed, without buffering the rest', async (t) => {
  const growth = peakGrowth(pid());
  const socket = await rawSocket(system.ports.smtp!);
  await new Promise((resolve) => socket.once('data', resolve));
  // Read while flooding: a reply left unread is lost when the server resets the connection.
  const replies = readUntilClosed(socket);
  const { written } = await flood(socket, Buffer.alloc(64 * 1024, 'A'), 256 * MiB, { readReplies: true });
  assert.match(await replies, /^421 Error: Command line too long/m);
  const grownKiB = growth();
  t.diagnostic(`${written} bytes of one line sent; ingest peak memory grew by ${grownKiB} KiB`);
  assert.ok(grownKiB < 128 * 1024, 'the line was not kept');
});

test('a message that keeps coming past max_message_size is answered 552 5.3.4, nothing stored, memory bounded, and the session goes on', async (t) => {
  const kept = await acceptedBeforeAttack('before the oversize flood');
  const smtp = await Conversation.plain(system.ports.smtp!);
  await smtp.reply();
  await smtp.command('EHLO client.test');
  assert.equal((await smtp.command('MAIL FROM:<ci@example.com> SIZE=1000')).code, 250, 'a SIZE that lies is accepted at MAIL');
  assert.equal((await smtp.command('RCPT TO:<team@example.com>')).code, 250);
  assert.equal((await smtp.command('DATA')).code, 354);
  const growth = peakGrowth(pid());
  const line = Buffer.from(`${'x'.repeat(998)}\r\n`);
  const block = Buffer.concat(Array.from({ length: 64 }, () => line));
  for (let sent = 0; sent < 256 * MiB; sent += block.length) smtp.send(block);
  smtp.send('.\r\n');
  const end = await smtp.reply(30_000);
  assert.match(end.text, /^552 5\.3\.4 Message size exceeds fixed maximum message size$/);
  const grownKiB = growth();
  t.diagnostic(`256 MiB sent against a 1 MiB limit; ingest peak memory grew by ${grownKiB} KiB`);
  // Half of what was sent: a kept message would show; garbage not yet collected (up to
  // ~60 MiB seen under load) does not.
  assert.ok(grownKiB < 128 * 1024, `ingest grew by ${grownKiB} KiB while 256 MiB came in`);
  assert.deepEqual(await storedMessageKeys(system.prefix), kept, 'nothing of the oversized message was stored');
  assert.equal((await smtp.command('MAIL FROM:<ci@example.com>')).code, 250, 'the session is usable after the 552');
  assert.equal((await smtp.command('RCPT TO:<team@example.com>')).code, 250);
  assert.equal((await smtp.command('DATA')).code, 354);
  assert.match((await smtp.command('Subject: small\r\n\r\nok\r\n.')).text, /^250 2\.0\.0 Ok: queued as M/);
  smtp.end();
  await stillStored(kept);
  assert.ok(metricValue(await system.metrics(), 'mailsort_ingest_messages_rejected_total', { reason: 'too_big' }) >= 1);
});

test('connections beyond max_connections get 421 and are closed, while the others are served', async () => {
  const kept = await acceptedBeforeAttack('before the connection flood');
  const allowed: Conversation[] = [];
  for (let i = 0; i < 5; i++) {
    const smtp = await Conversation.plain(system.ports.smtp!);
    assert.equal((await smtp.reply()).code, 220);
    allowed.push(smtp);
  }
  for (let i = 0; i < 3; i++) {
    const excess = await Conversation.plain(system.ports.smtp!);
    const reply = await excess.reply();
    assert.equal(reply.code, 421, reply.text);
    assert.match(reply.text, /Too many connected clients/);
    await excess.closedByServer();
  }
  const [first] = allowed;
  assert.equal((await first!.command('EHLO client.test')).code, 250);
  assert.equal((await first!.command('MAIL FROM:<ci@example.com>')).code, 250);
  assert.equal((await first!.command('RCPT TO:<team@example.com>')).code, 250);
  assert.equal((await first!.command('DATA')).code, 354);
  assert.match((await first!.command('Subject: during the flood\r\n\r\nok\r\n.')).text, /^250 /);
  for (const smtp of allowed) {
    assert.equal((await smtp.command('QUIT')).code, 221);
    await smtp.closedByServer();
  }
  assert.match(await sendOne('after the connection flood'), /^250 /, 'a new client is served once the others left');
  await stillStored(kept);
});

test('an idle client is answered 421 and closed after socket_timeout', async () => {
  const smtp = await Conversation.plain(system.ports.smtp!);
  assert.equal((await smtp.reply()).code, 220);
  const reply = await smtp.reply(10_000);
  assert.equal(reply.text, '421 Timeout - closing connection');
  await smtp.closedByServer();
});

test('a client that stalls in the middle of DATA is closed with 421; the partial message is not stored, the one before it is kept', async () => {
  const smtp = await Conversation.plain(system.ports.smtp!);
  await smtp.reply();
  await smtp.command('EHLO client.test');
  await smtp.command('MAIL FROM:<ci@example.com>');
  await smtp.command('RCPT TO:<team@example.com>');
  await smtp.command('DATA');
  assert.match((await smtp.command('Subject: first in session\r\n\r\nok\r\n.')).text, /^250 /);
  const kept = await storedMessageKeys(system.prefix);
  await smtp.command('MAIL FROM:<ci@example.com>');
  await smtp.command('RCPT TO:<team@example.com>');
  assert.equal((await smtp.command('DATA')).code, 354);
  smtp.send('Subject: never finished\r\n\r\nhalf a bo');
  const reply = await smtp.reply(10_000);
  assert.equal(reply.code, 421, reply.text);
  await smtp.closedByServer();
  assert.deepEqual((await storedMessageKeys(system.prefix)).sort(), kept.sort());
});
