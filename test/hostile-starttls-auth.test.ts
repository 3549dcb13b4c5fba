import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { cleanPrefix, Conversation, hashOf, makeCert, metricValue, plainAuth, startIngestSystem, storedMessageKeys, type IngestSystem } from './ingest-helpers.js';

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
      users: [
        { username: 'gocd', password_hash: hashOf('right-pass'), allowed_senders: ['@example.com'] },
        { username: 'alert', password_hash: hashOf('alert-pass'), allowed_senders: ['alert@example.com'], rate_limit: { messages: 3, per: '1h' } },
        { username: 'limited', password_hash: hashOf('limited-pass'), allowed_senders: ['*'], rate_limit: { messages: 3, per: '1h' } },
        { username: 'once', password_hash: hashOf('once-pass'), allowed_senders: ['*'], rate_limit: { messages: 1, per: '1h' } },
      ],
      auth: { max_failures_per_connection: 3, max_failures_per_address: 1000 },
      limits: { max_message_size: '64KiB' },
    },
  });
});

/** STARTTLS with Node's TLS client, EHLO again, and AUTH PLAIN as `user` when given. */
async function inTls(user?: string, password?: string): Promise<Conversation> {
  const smtp = await Conversation.plain(system.ports.smtp!);
  await smtp.reply();
  await smtp.command('EHLO client.test');
  assert.equal((await smtp.command('STARTTLS')).code, 220);
  await smtp.startTls();
  assert.equal((await smtp.command('EHLO client.test')).code, 250);
  if (user) assert.equal((await smtp.command(plainAuth(user, password!))).code, 235);
  return smtp;
}

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
    const sessions = await Promise.all(
      Array.from({ length: parallel }, async () => {
        const smtp = await Conversation.implicitTls(attacked.ports.smtps!);
        await smtp.reply();
        await smtp.command('EHLO attacker.test');
        return smtp;
      }),
    );
    const replies = await Promise.all(sessions.map((smtp, i) => smtp.command(plainAuth('gocd', `guess-${i}`))));
    for (const smtp of sessions) smtp.end();
    const checked = metricValue(await attacked.metrics(), 'mailsort_ingest_auth_failures_total', { reason: 'invalid_credentials' });
    assert.ok(checked <= 5, `${checked} guesses were checked; replies: ${replies.map((r) => r.code).join(' ')}`);
    const codes = replies.map((reply) => reply.code);
    // A guess that arrives once the address is locked out (a loaded machine spreads the 30
    // over more time than a check takes) is refused 421 unchecked, and counted as locked_out.
    const lockedOut = metricValue(await attacked.metrics(), 'mailsort_ingest_auth_failures_total', { reason: 'locked_out' });
    assert.equal(
      codes.filter((code) => code === 535).length + codes.filter((code) => code === 421).length,
      checked + lockedOut,
      'a 535 or a 421 for every checked guess, a 421 for every one refused as locked out',
    );
    assert.equal(codes.filter((code) => code === 454).length, parallel - checked - lockedOut, '454 for every other guess that was not checked');
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

test('regression: AUTH in the middle of a transaction skipped the sender policy (MAIL FROM:<ceo@victim.example>, then AUTH as alert: 250, delivered); now AUTH is refused 503 5.5.1 before any prompt', async () => {
  const stored = (await storedMessageKeys(system.prefix)).length;
  const checked = metricValue(await system.metrics(), 'mailsort_ingest_auth_failures_total', { reason: 'invalid_credentials' });
  const smtp = await inTls();
  assert.equal((await smtp.command('MAIL FROM:<ceo@victim.example>')).code, 250);
  assert.match((await smtp.command(plainAuth('alert', 'alert-pass'))).text, /^503 5\.5\.1 /);
  for (const command of ['AUTH LOGIN', 'AUTH PLAIN', `AUTH LOGIN ${Buffer.from('alert').toString('base64')}`]) {
    assert.match((await smtp.command(command)).text, /^503 5\.5\.1 /, `${command} is refused, not prompted (334)`);
  }
  assert.match((await smtp.command('RCPT TO:<team@example.com>')).text, /^550 5\.7\.1 Relay access denied/, 'still unauthenticated');
  assert.equal((await smtp.command('DATA')).code, 503);
  assert.equal((await smtp.command('RSET')).code, 250);
  assert.equal((await smtp.command(plainAuth('alert', 'alert-pass'))).code, 235, 'after RSET, AUTH works');
  assert.match((await smtp.command('MAIL FROM:<ceo@victim.example>')).text, /^553 5\.7\.1 Sender address <ceo@victim\.example> is not allowed/);
  smtp.end();
  assert.equal((await storedMessageKeys(system.prefix)).length, stored, 'nothing stored');
  assert.equal(metricValue(await system.metrics(), 'mailsort_ingest_auth_failures_total', { reason: 'invalid_credentials' }), checked);
});

test('regression: the STARTTLS listener listed AUTH in its cleartext EHLO and never counted a cleartext AUTH; now AUTH is listed only inside TLS and the 538 is counted', async () => {
  const cleartext = metricValue(await system.metrics(), 'mailsort_ingest_auth_failures_total', { reason: 'cleartext' });
  const smtp = await Conversation.plain(system.ports.smtp!);
  await smtp.reply();
  const plainEhlo = await smtp.command('EHLO client.test');
  assert.match(plainEhlo.text, /STARTTLS/);
  assert.doesNotMatch(plainEhlo.text, /AUTH/, 'no AUTH before TLS');
  assert.equal((await smtp.command(plainAuth('gocd', 'right-pass'))).code, 538);
  assert.equal((await smtp.command('STARTTLS')).code, 220);
  await smtp.startTls();
  assert.match((await smtp.command('EHLO client.test')).text, /AUTH PLAIN LOGIN/, 'AUTH inside TLS');
  smtp.end();
  assert.equal(metricValue(await system.metrics(), 'mailsort_ingest_auth_failures_total', { reason: 'cleartext' }), cleartext + 1);
});

test('regression: the rate limit raced (8 parallel sessions of a 3/h user all got 250); now exactly 3 get 250, the rest 450 4.7.1, and 3 are stored', async () => {
  const stored = (await storedMessageKeys(system.prefix)).length;
  const sessions = await Promise.all(Array.from({ length: 8 }, () => inTls('limited', 'limited-pass')));
  for (const smtp of sessions) {
    assert.equal((await smtp.command('MAIL FROM:<ci@example.com>')).code, 250, 'every one passes the early check at MAIL');
    assert.equal((await smtp.command('RCPT TO:<team@example.com>')).code, 250);
    assert.equal((await smtp.command('DATA')).code, 354);
  }
  const replies = await Promise.all(sessions.map((smtp, i) => smtp.command(`Subject: parallel ${i}\r\n\r\nbody\r\n.`)));
  const texts = replies.map((reply) => reply.text);
  assert.equal(texts.filter((text) => text.startsWith('250 ')).length, 3, texts.join(' | '));
  assert.equal(texts.filter((text) => /^450 4\.7\.1 Rate limit for user limited exceeded/.test(text)).length, 5, texts.join(' | '));
  assert.match((await sessions[0]!.command('MAIL FROM:<ci@example.com>')).text, /^450 4\.7\.1 /, 'the early check counts reservations');
  for (const smtp of sessions) smtp.end();
  assert.equal((await storedMessageKeys(system.prefix)).length, stored + 3);
});

test('a message that is not stored does not use up the rate limit (552 too big, client gone in DATA)', async () => {
  const big = await inTls('once', 'once-pass');
  await big.command('MAIL FROM:<ci@example.com>');
  await big.command('RCPT TO:<team@example.com>');
  await big.command('DATA');
  assert.match((await big.command(`Subject: big\r\n\r\n${'x'.repeat(70 * 1024)}\r\n.`)).text, /^552 5\.3\.4 /);
  big.end();
  const gone = await inTls('once', 'once-pass');
  await gone.command('MAIL FROM:<ci@example.com>');
  await gone.command('RCPT TO:<team@example.com>');
  await gone.command('DATA');
  gone.send('Subject: half\r\n\r\nhalf a mess');
  gone.end();
  const smtp = await inTls('once', 'once-pass');
  assert.equal((await smtp.command('MAIL FROM:<ci@example.com>')).code, 250);
  await smtp.command('RCPT TO:<team@example.com>');
  await smtp.command('DATA');
  assert.match((await smtp.command('Subject: the one\r\n\r\nok\r\n.')).text, /^250 2\.0\.0 /, 'the one message of the window is still there');
  assert.match((await smtp.command('MAIL FROM:<ci@example.com>')).text, /^450 4\.7\.1 /);
  smtp.end();
});

test('regression: an unknown user answered a wrong password in 73 ms against 3 ms for a cost-4 user (the dummy hash had cost 10); now both cost the same, and mixed costs are warned about', async () => {
  const timed = await startIngestSystem({
    name: 'hostile-auth-timing',
    listeners: [{ name: 'smtps', tls: 'implicit' }],
    ingest: {
      tls: { cert_file: cert.certFile, key_file: cert.keyFile },
      trusted_networks: ['10.0.0.0/8'],
      users: [
        { username: 'gocd', password_hash: hashOf('right-pass'), allowed_senders: ['*'] },
        { username: 'cron', password_hash: hashOf('cron-pass'), allowed_senders: ['*'] },
        { username: 'legacy', password_hash: bcrypt.hashSync('legacy-pass', 5), allowed_senders: ['*'] },
      ],
      auth: { max_failures_per_connection: 1000, max_failures_per_address: 1000 },
    },
  });
  try {
    const warning = await timed.ingest.waitForLog((line) => line.code === 'PASSWORD_COSTS_MIXED');
    assert.deepEqual(warning.costs, [4, 5]);
    assert.equal(warning.dummyCost, 4);
    const smtp = await Conversation.implicitTls(timed.ports.smtps!);
    await smtp.reply();
    await smtp.command('EHLO attacker.test');
    const time = async (user: string) => {
      const started = process.hrtime.bigint();
      assert.equal((await smtp.command(plainAuth(user, 'wrong'))).code, 535);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    await time('nobody'); // the first one may wait for the dummy hash to be made
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 9; i += 1) {
      known.push(await time('gocd'));
      unknown.push(await time(`nobody-${i}`));
    }
    smtp.end();
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const [k, u] = [median(known), median(unknown)];
    assert.ok(u < k * 3 + 10 && k < u * 3 + 10, `medians: known user ${k.toFixed(1)} ms, unknown user ${u.toFixed(1)} ms`);
  } finally {
    await timed.stop();
    await cleanPrefix(timed.prefix);
  }
});
