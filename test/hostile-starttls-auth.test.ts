import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  cleanPrefix, Conversation, hashOf, makeCert, metricValue, plainAuth, startIngestSystem, storedMessageKeys, type IngestSystem,
} from './ingest-helpers.js';

// Loopback is not trusted: a client gets in only by AUTH, and AUTH only inside TLS.
const cert = makeCert();
let system: IngestSystem;

before(async () => {
  system = await startIngestSystem({
    name: 'hostile-starttls-auth',
    listeners: [{ name: 'smtp', tls: 'starttls' }],
    ingest: {
      tls: { cert_file: cert.certFile, key_file: cert.keyFile },
      trusted_networks: ['10.0.0.0/8'],
      users: [{ username: 'gocd', password_hash: hashOf('right-pass'), allowed_senders: ['@example.com'] }],
      auth: { max_failures_per_connection: 3, max_failures_per_address: 1000 },
    },
  });
});

after(async () => {
  await system.stop();
  await cleanPrefix(system.prefix);
});

test('AUTH LOGIN and AUTH PLAIN without an initial response are refused 538 in cleartext, before any credential is asked for', async () => {
  const failuresBefore = metricValue(await system.metrics(), 'mailsort_ingest_auth_failures_total', { reason: 'invalid_credentials' });
  const smtp = await Conversation.plain(system.ports.smtp!);
  await smtp.reply();
  await smtp.command('EHLO client.test');
  for (const command of ['AUTH LOGIN', 'AUTH PLAIN', `AUTH LOGIN ${Buffer.from('gocd').toString('base64')}`]) {
    const reply = await smtp.command(command);
    assert.equal(reply.code, 538, `${command}: ${reply.text}`);
  }
  // Had the server prompted (334), these lines would be the user name and password.
  assert.equal((await smtp.command(Buffer.from('gocd').toString('base64'))).code, 500);
  assert.equal((await smtp.command(Buffer.from('right-pass').toString('base64'))).code, 500);
  assert.equal((await smtp.command('MAIL FROM:<ci@example.com>')).code, 250);
  assert.match((await smtp.command('RCPT TO:<team@example.com>')).text, /^550 5\.7\.1 Relay access denied/);
  smtp.end();
  const failuresAfter = metricValue(await system.metrics(), 'mailsort_ingest_auth_failures_total', { reason: 'invalid_credentials' });
  assert.equal(failuresAfter, failuresBefore, 'no password was checked');
});

test('an envelope begun in cleartext does not survive STARTTLS: inside TLS the session starts over', async () => {
  const smtp = await Conversation.plain(system.ports.smtp!);
  await smtp.reply();
  await smtp.command('EHLO client.test');
  assert.equal((await smtp.command('MAIL FROM:<ci@example.com>')).code, 250);
  assert.equal((await smtp.command('STARTTLS')).code, 220);
  await smtp.startTls();
  assert.match((await smtp.command('RCPT TO:<team@example.com>')).text, /^503 .*HELO\/EHLO first/);
  assert.equal((await smtp.command('EHLO client.test')).code, 250);
  assert.match((await smtp.command('RCPT TO:<team@example.com>')).text, /^503 .*need MAIL/, 'the cleartext MAIL FROM was forgotten');
  smtp.end();
});

test('inside TLS set up by openssl, the cleartext EHLO does not count and a second STARTTLS is refused', async () => {
  const smtp = Conversation.opensslStarttls(system.ports.smtp!);
  assert.match((await smtp.command('MAIL FROM:<ci@example.com>')).text, /^503 .*HELO\/EHLO first/);
  const ehlo = await smtp.command('EHLO client.test');
  assert.doesNotMatch(ehlo.text, /STARTTLS/, 'STARTTLS is not offered again');
  assert.match(ehlo.text, /AUTH PLAIN LOGIN/);
  const again = await smtp.command('STARTTLS');
  assert.ok(again.code >= 500, again.text);
  assert.equal((await smtp.command(plainAuth('gocd', 'right-pass'))).code, 235, 'the session still works');
  smtp.end();
});

test('pipelining inside TLS is honoured: each command runs once, in order, with its own reply', async () => {
  const stored = (await storedMessageKeys(system.prefix)).length;
  const smtp = Conversation.opensslStarttls(system.ports.smtp!);
  smtp.send(`EHLO client.test\r\n${plainAuth('gocd', 'right-pass')}\r\nMAIL FROM:<ci@example.com>\r\nRCPT TO:<team@example.com>\r\nDATA\r\n`);
  assert.equal((await smtp.reply()).code, 250);
  assert.equal((await smtp.reply()).code, 235);
  assert.equal((await smtp.reply()).code, 250);
  assert.equal((await smtp.reply()).code, 250);
  assert.equal((await smtp.reply()).code, 354);
  assert.match((await smtp.command('Subject: pipelined in TLS\r\n\r\nok\r\n.')).text, /^250 2\.0\.0 Ok: queued as M/);
  smtp.end();
  assert.equal((await storedMessageKeys(system.prefix)).length, stored + 1);
});

test('regression: parallel AUTH guesses from one address were all checked (30 of 30 with a limit of 5); now at most max_failures_per_address are, the rest get 454', async () => {
  const parallel = 30;
  const attacked = await startIngestSystem({
    name: 'hostile-parallel-brute-force',
    listeners: [{ name: 'smtps', tls: 'implicit' }],
    ingest: {
      tls: { cert_file: cert.certFile, key_file: cert.keyFile },
      trusted_networks: ['10.0.0.0/8'],
      users: [{ username: 'gocd', password_hash: hashOf('right-pass'), allowed_senders: ['*'] }],
      auth: { max_failures_per_connection: 3, max_failures_per_address: 5 },
    },
  });
  try {
    const sessions = await Promise.all(Array.from({ length: parallel }, async () => {
      const smtp = await Conversation.implicitTls(attacked.ports.smtps!);
      await smtp.reply();
      await smtp.command('EHLO attacker.test');
      return smtp;
    }));
    const replies = await Promise.all(sessions.map((smtp, i) => smtp.command(plainAuth('gocd', `guess-${i}`))));
    for (const smtp of sessions) smtp.end();
    const checked = metricValue(await attacked.metrics(), 'mailsort_ingest_auth_failures_total', { reason: 'invalid_credentials' });
    assert.ok(checked <= 5, `${checked} guesses were checked; replies: ${replies.map((r) => r.code).join(' ')}`);
    const codes = replies.map((reply) => reply.code);
    assert.equal(codes.filter((code) => code === 535).length + codes.filter((code) => code === 421).length, checked, 'a 535 or a 421 for every checked guess');
    assert.equal(codes.filter((code) => code === 454).length, parallel - checked, '454 for every guess that was not checked');
    const later = await Conversation.implicitTls(attacked.ports.smtps!);
    await later.reply();
    await later.command('EHLO attacker.test');
    assert.match((await later.command(plainAuth('gocd', 'right-pass'))).text, /^421 4\.7\.0 Too many failed logins/, 'the address is locked out');
    later.end();
  } finally {
    await attacked.stop();
    await cleanPrefix(attacked.prefix);
  }
});
