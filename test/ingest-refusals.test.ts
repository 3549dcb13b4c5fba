import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import { createQueue, jobId, QUEUES, routeJobSchema } from '@mailsort/core';
import { testRedis } from './support/redis.js';
import { cleanPrefix, Conversation, hashOf, makeCert, metricValue, plainAuth, startIngestSystem, storedMessage, storedMessageKeys, type IngestSystem } from './ingest-helpers.js';

// Loopback is deliberately not trusted here, so every client is an outsider that must AUTH.
const cert = makeCert();
let system: IngestSystem;

before(async () => {
  system = await startIngestSystem({
    name: 'ingest-refusals',
    listeners: [
      { name: 'smtp', tls: 'starttls' },
      { name: 'smtps', tls: 'implicit' },
      { name: 'plain', tls: 'none' },
    ],
    ingest: {
      tls: { cert_file: cert.certFile, key_file: cert.keyFile },
      trusted_networks: ['10.0.0.0/8'],
      users: [
        { username: 'alertmanager', password_hash: hashOf('right-pass'), allowed_senders: ['@example.com'] },
        { username: 'limited', password_hash: hashOf('limited-pass'), allowed_senders: ['*'], rate_limit: { messages: 2, per: '1h' } },
      ],
      // High enough that this file's deliberate failures never lock loopback out.
      auth: { max_failures_per_connection: 3, max_failures_per_address: 100 },
      limits: { max_message_size: 4096 },
    },
  });
});

after(async () => {
  await system.stop();
  await cleanPrefix(system.prefix);
});

/** An implicit-TLS session authenticated as `user`, after EHLO. */
async function authenticated(user = 'alertmanager', password = 'right-pass'): Promise<Conversation> {
  const smtp = await Conversation.implicitTls(system.ports.smtps!);
  assert.equal((await smtp.reply()).code, 220);
  assert.equal((await smtp.command('EHLO client.test')).code, 250);
  assert.equal((await smtp.command(plainAuth(user, password))).code, 235);
  return smtp;
}

test('AUTH before STARTTLS is refused with 538, and nothing is authenticated', async () => {
  const smtp = await Conversation.plain(system.ports.smtp!);
  assert.equal((await smtp.reply()).code, 220);
  const ehlo = await smtp.command('EHLO client.test');
  assert.match(ehlo.text, /STARTTLS/);
  const auth = await smtp.command(plainAuth('alertmanager', 'right-pass'));
  assert.equal(auth.code, 538, auth.text);
  assert.equal((await smtp.command('MAIL FROM:<alertmanager@example.com>')).code, 250);
  assert.match((await smtp.command('RCPT TO:<team@example.com>')).text, /^550 5\.7\.1 Relay access denied/);
  smtp.end();
});

test('a listener with tls: none offers neither STARTTLS nor AUTH, so a password never crosses it in clear', async () => {
  const smtp = await Conversation.plain(system.ports.plain!);
  await smtp.reply();
  const ehlo = await smtp.command('EHLO client.test');
  assert.doesNotMatch(ehlo.text, /STARTTLS|AUTH/);
  assert.ok((await smtp.command(plainAuth('alertmanager', 'right-pass'))).code >= 500);
  smtp.end();
});

test('a wrong password is answered 535 5.7.8 and counted in mailsort_ingest_auth_failures_total', async () => {
  const before = metricValue(await system.metrics(), 'mailsort_ingest_auth_failures_total', { reason: 'invalid_credentials' });
  const client = nodemailer.createTransport({
    host: '127.0.0.1',
    port: system.ports.smtp,
    secure: false,
    requireTLS: true,
    tls: { ca: [await readCert()], servername: 'localhost' },
    auth: { user: 'alertmanager', pass: 'wrong-pass' },
  });
  await assert.rejects(client.sendMail({ from: 'alertmanager@example.com', to: 'team@example.com', subject: 'x', text: 'x' }), (error: { responseCode?: number; response?: string }) => {
    assert.equal(error.responseCode, 535);
    assert.match(error.response ?? '', /^535 5\.7\.8 Authentication credentials invalid/);
    return true;
  });
  client.close();
  const afterCount = metricValue(await system.metrics(), 'mailsort_ingest_auth_failures_total', { reason: 'invalid_credentials' });
  assert.equal(afterCount, before + 1);
});

test('an untrusted client without AUTH is refused 550 5.7.1 at RCPT and nothing is stored', async () => {
  const stored = (await storedMessageKeys(system.prefix)).length;
  const smtp = await Conversation.plain(system.ports.plain!);
  await smtp.reply();
  await smtp.command('EHLO client.test');
  assert.equal((await smtp.command('MAIL FROM:<ci@example.com>')).code, 250);
  const rcpt = await smtp.command('RCPT TO:<team@example.com>');
  assert.equal(rcpt.code, 550);
  assert.match(rcpt.text, /^550 5\.7\.1 /);
  assert.equal((await smtp.command('DATA')).code, 503);
  assert.equal((await smtp.command('QUIT')).code, 221);
  assert.equal((await storedMessageKeys(system.prefix)).length, stored);
  assert.ok(metricValue(await system.metrics(), 'mailsort_ingest_messages_rejected_total', { reason: 'relay_denied' }) >= 1);
});

test('a declared SIZE over the limit is refused 552 at MAIL FROM', async () => {
  const smtp = await authenticated();
  const mail = await smtp.command('MAIL FROM:<alertmanager@example.com> SIZE=999999');
  assert.equal(mail.code, 552, mail.text);
  smtp.end();
});

test('an undeclared oversize message is refused 552 after DATA and nothing is stored', async () => {
  const stored = (await storedMessageKeys(system.prefix)).length;
  const smtp = await authenticated();
  assert.equal((await smtp.command('MAIL FROM:<alertmanager@example.com>')).code, 250);
  assert.equal((await smtp.command('RCPT TO:<team@example.com>')).code, 250);
  assert.equal((await smtp.command('DATA')).code, 354);
  smtp.send(`Subject: big\r\n\r\n${'x'.repeat(76)}\r\n`.repeat(100));
  const end = await smtp.command('.');
  assert.match(end.text, /^552 5\.3\.4 /);
  assert.equal((await smtp.command('QUIT')).code, 221);
  assert.equal((await storedMessageKeys(system.prefix)).length, stored);
});

for (const [name, line] of [
  ['CR in MAIL FROM', 'MAIL FROM:<ci\r@example.com>'],
  ['NUL in MAIL FROM', 'MAIL FROM:<ci\0@example.com>'],
  ['LF in MAIL FROM', 'MAIL FROM:<ci\n@example.com>'],
  ['CR in RCPT TO', 'RCPT TO:<team\r@example.com>'],
  ['NUL in RCPT TO', 'RCPT TO:<team\0@example.com>'],
  ['LF in RCPT TO', 'RCPT TO:<team\nx@example.com>'],
] as const) {
  test(`${name} is refused with 501`, async () => {
    const smtp = await authenticated();
    if (line.startsWith('RCPT')) assert.equal((await smtp.command('MAIL FROM:<alertmanager@example.com>')).code, 250);
    const reply = await smtp.command(line);
    assert.equal(reply.code, 501, reply.text);
    smtp.end();
  });
}

test('an authenticated user may not use a sender outside its allowed_senders: 553 5.7.1', async () => {
  const smtp = await authenticated();
  const mail = await smtp.command('MAIL FROM:<ceo@other.example.org>');
  assert.equal(mail.code, 553);
  assert.match(mail.text, /^553 5\.7\.1 /);
  smtp.end();
});

test('a user over its rate limit is answered 450 4.7.1 at MAIL FROM, counted once per accepted message', async () => {
  const smtp = await authenticated('limited', 'limited-pass');
  for (let i = 0; i < 2; i++) {
    assert.equal((await smtp.command('MAIL FROM:<cron@host.example.net>')).code, 250);
    assert.equal((await smtp.command('RCPT TO:<root@example.com>')).code, 250);
    assert.equal((await smtp.command('DATA')).code, 354);
    assert.match((await smtp.command(`Subject: ${i}\r\n\r\nbody\r\n.`)).text, /^250 2\.0\.0 Ok: queued as M/);
  }
  const third = await smtp.command('MAIL FROM:<cron@host.example.net>');
  assert.equal(third.code, 450);
  assert.match(third.text, /^450 4\.7\.1 Rate limit/);
  smtp.end();
});

for (const [name, bare] of [
  ['LF.LF', '\n.\n'],
  ['CR.CR', '\r.\r'],
  ['LF.CRLF', '\n.\r\n'],
  ['CRLF.LF', '\r\n.\n'],
] as const) {
  test(`SMTP smuggling with a bare ${name} end of data yields one message holding the bytes as sent`, async () => {
    const storedBefore = new Set(await storedMessageKeys(system.prefix));
    const smtp = Conversation.opensslStarttls(system.ports.smtp!);
    assert.equal((await smtp.command('EHLO client.test')).code, 250);
    assert.equal((await smtp.command(plainAuth('alertmanager', 'right-pass'))).code, 235);
    assert.equal((await smtp.command('MAIL FROM:<alertmanager@example.com>')).code, 250);
    assert.equal((await smtp.command('RCPT TO:<team@example.com>')).code, 250);
    assert.equal((await smtp.command('DATA')).code, 354);
    const body = `Subject: outer\r\n\r\nfirst${bare}MAIL FROM:<alertmanager@example.com>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nsecond`;
    smtp.send(`${body}\r\n.\r\nQUIT\r\n`);
    const end = await smtp.reply();
    assert.match(end.text, /^250 2\.0\.0 Ok: queued as M/);
    assert.equal((await smtp.reply()).code, 221, 'the next reply answers QUIT, not a smuggled command');
    smtp.end();
    const added = (await storedMessageKeys(system.prefix)).filter((key) => !storedBefore.has(key));
    assert.equal(added.length, 1);
    const raw = (await storedMessage(added[0]!))!.toString('latin1');
    assert.equal(raw.replace(/^Received: [^\r\n]+\r\n(\t[^\r\n]+\r\n)+/, ''), `${body}\r\n`, 'stored byte for byte after the Received: header');
  });
}

test('commands pipelined before the greeting are not executed: 421 and the connection is closed', async () => {
  // Its own ingest with a greeting delay of a second, as postscreen's: with the default 5 ms a
  // loaded machine can deschedule this client for longer than the pause, and then the greeting
  // really was first.
  const early = await startIngestSystem({ name: 'ingest-early-talker', listeners: [{ name: 'plain', tls: 'none' }], ingest: { limits: { greeting_delay: '1s' } } });
  try {
    const smtp = await Conversation.plain(early.ports.plain!);
    smtp.send('EHLO early.test\r\nMAIL FROM:<ci@example.com>\r\nRCPT TO:<team@example.com>\r\n');
    const first = await smtp.reply();
    assert.equal(first.code, 421);
    assert.match(first.text, /talk too soon/);
    await smtp.closedByServer();
    assert.doesNotMatch(smtp.unparsed, /^250/m);
  } finally {
    await early.stop();
    await cleanPrefix(early.prefix);
  }
});

test('commands pipelined after STARTTLS in cleartext are discarded, not run inside the TLS session', async () => {
  const smtp = await Conversation.plain(system.ports.smtp!);
  await smtp.reply();
  await smtp.command('EHLO client.test');
  smtp.send(`STARTTLS\r\nEHLO injected.test\r\n${plainAuth('alertmanager', 'right-pass')}\r\nMAIL FROM:<alertmanager@example.com>\r\n`);
  assert.equal((await smtp.reply()).code, 220);
  await smtp.startTls();
  const noop = await smtp.command('NOOP');
  assert.equal(noop.text, '250 OK', 'the first reply inside TLS answers our NOOP, not the injected EHLO');
  assert.equal(smtp.unparsed, '', 'no replies to the injected commands');
  assert.match((await smtp.command('MAIL FROM:<alertmanager@example.com>')).text, /^503 .*HELO\/EHLO first/, 'the injected EHLO did not count');
  smtp.end();
});

test('the route job carries the envelope, the client address, TLS and the authenticated user, and the header block', async () => {
  const smtp = await authenticated();
  assert.equal((await smtp.command('MAIL FROM:<alertmanager@example.com>')).code, 250);
  assert.equal((await smtp.command('RCPT TO:<oncall@example.com>')).code, 250);
  assert.equal((await smtp.command('DATA')).code, 354);
  const end = await smtp.command('Subject: [FIRING:1] DiskFull\r\nX-Team: storage\r\n\r\nbody\r\n.');
  smtp.end();
  const id = /queued as (M[0-9A-Z]{19})$/.exec(end.text)?.[1];
  assert.ok(id, end.text);
  const redis = testRedis();
  const queue = createQueue(QUEUES.route, redis, system.prefix);
  try {
    const job = routeJobSchema.parse((await queue.getJob(jobId('route', id)))?.data);
    assert.deepEqual(job.envelope, { from: 'alertmanager@example.com', to: ['oncall@example.com'] });
    assert.deepEqual(job.client, { address: '127.0.0.1', helo: 'client.test', tls: true, user: 'alertmanager' });
    assert.match(job.headers, /^Received: [\s\S]*\r\nSubject: \[FIRING:1\] DiskFull\r\nX-Team: storage\r\n\r\n$/);
  } finally {
    await queue.close();
    redis.disconnect();
  }
});

async function readCert(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(cert.certFile, 'utf8');
}
