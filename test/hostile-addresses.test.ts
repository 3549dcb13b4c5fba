import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { cleanPrefix, Conversation, metricValue, startIngestSystem, storedMessageKeys, type IngestSystem } from './ingest-helpers.js';
import { startSink } from './support/sink.js';

// Address tricks that old relays resolved into relaying (percent hack, source routes, bang
// paths, quoted local parts holding another address, IP literals). Each row: what a trusted
// client gets, and what the upstream sees as the envelope recipient (null: refused 501).
const TRICKS: Array<{ name: string; rcpt: string; trusted: string | null }> = [
  { name: 'a quoted local part holding an address', rcpt: '"victim@elsewhere.example"@example.com', trusted: null },
  { name: 'the percent hack', rcpt: 'victim%elsewhere.example@example.com', trusted: 'victim%elsewhere.example@example.com' },
  { name: 'a source route', rcpt: '@relay1.example,@relay2.example:victim@elsewhere.example', trusted: 'victim@elsewhere.example' },
  { name: 'an IPv4 literal', rcpt: 'user@[127.0.0.1]', trusted: 'user@[127.0.0.1]' },
  { name: 'an IPv6 literal', rcpt: 'user@[IPv6:::1]', trusted: 'user@[IPv6:::1]' },
  { name: 'a bang path', rcpt: 'elsewhere.example!victim@example.com', trusted: 'elsewhere.example!victim@example.com' },
  { name: 'two @ signs', rcpt: 'victim@elsewhere.example@example.com', trusted: null },
  { name: 'a quoted local part with a space', rcpt: '"victim x"@example.com', trusted: null },
  { name: 'a quoted local part with an escaped quote', rcpt: '"vic\\"tim"@example.com', trusted: '"vic\\"tim"@example.com' },
  { name: 'a bad IP literal', rcpt: 'user@[300.0.0.1]', trusted: null },
  { name: 'an address without a domain', rcpt: 'victim', trusted: null },
];

let outsider: IngestSystem;
let trusted: IngestSystem;
let sink: Awaited<ReturnType<typeof startSink>>;

before(async () => {
  sink = await startSink();
  outsider = await startIngestSystem({ name: 'hostile-relay-outsider', listeners: [{ name: 'smtp', tls: 'none' }], ingest: { trusted_networks: ['10.0.0.0/8'] } });
  trusted = await startIngestSystem({
    name: 'hostile-relay-trusted',
    upstreamPort: sink.port,
    services: ['sender', 'router', 'ingest'],
    listeners: [{ name: 'smtp', tls: 'none' }],
    ingest: { trusted_networks: ['127.0.0.0/8'] },
  });
});

after(async () => {
  await Promise.all([outsider.stop(), trusted.stop()]);
  await sink.close();
  await Promise.all([cleanPrefix(outsider.prefix), cleanPrefix(trusted.prefix)]);
});

async function session(port: number): Promise<Conversation> {
  const smtp = await Conversation.plain(port);
  assert.equal((await smtp.reply()).code, 220);
  assert.equal((await smtp.command('EHLO client.test')).code, 250);
  return smtp;
}

for (const trick of TRICKS) {
  test(`an untrusted client using ${trick.name} (<${trick.rcpt}>) is never relayed and nothing is stored`, async () => {
    const smtp = await session(outsider.ports.smtp!);
    assert.equal((await smtp.command(`MAIL FROM:<${trick.rcpt}>`)).code, trick.trusted === null ? 501 : 250);
    if (trick.trusted === null) assert.equal((await smtp.command('MAIL FROM:<ci@example.com>')).code, 250);
    const rcpt = await smtp.command(`RCPT TO:<${trick.rcpt}>`);
    if (trick.trusted === null) assert.match(rcpt.text, /^501 /);
    else assert.match(rcpt.text, /^550 5\.7\.1 Relay access denied/);
    assert.equal((await smtp.command('DATA')).code, 503);
    assert.equal((await smtp.command('QUIT')).code, 221);
    assert.deepEqual(await storedMessageKeys(outsider.prefix), []);
  });
}

test('no untrusted trick got a message accepted', async () => {
  assert.equal(metricValue(await outsider.metrics(), 'mailsort_ingest_messages_accepted_total', { via: 'trusted' }), 0);
  assert.equal(metricValue(await outsider.metrics(), 'mailsort_ingest_messages_accepted_total', { via: 'authenticated' }), 0);
});

test('from a trusted client, source routes are stripped, %, ! and IP literals go to the upstream as they are, and ambiguous quoting is refused 501', async () => {
  const smtp = await session(trusted.ports.smtp!);
  const accepted: Array<{ subject: string; expected: string }> = [];
  for (const [index, trick] of TRICKS.entries()) {
    assert.equal((await smtp.command('MAIL FROM:<@relay.example:ci@example.com>')).code, 250);
    const rcpt = await smtp.command(`RCPT TO:<${trick.rcpt}>`);
    if (trick.trusted === null) {
      assert.match(rcpt.text, /^501 /, `${trick.name}: ${rcpt.text}`);
      assert.equal((await smtp.command('RSET')).code, 250);
      continue;
    }
    assert.equal(rcpt.code, 250, `${trick.name}: ${rcpt.text}`);
    assert.equal((await smtp.command('DATA')).code, 354);
    const subject = `trick ${index}`;
    assert.match((await smtp.command(`Subject: ${subject}\r\n\r\n${trick.name}\r\n.`)).text, /^250 2\.0\.0 Ok: queued as M/);
    accepted.push({ subject, expected: trick.trusted });
  }
  smtp.end();
  const delivered = await sink.waitForMessages(accepted.length);
  for (const { subject, expected } of accepted) {
    const message = delivered.find((m) => m.subject === subject);
    assert.ok(message, `${subject} was delivered`);
    assert.deepEqual(message.to, [expected], subject);
    assert.equal(message.from, 'ci@example.com', 'the source route of the sender is stripped too');
  }
  assert.equal(delivered.length, accepted.length, 'nothing else reached the upstream');
});

// CR, LF and NUL inside MAIL FROM / RCPT TO addresses are pinned in ingest-refusals; these are
// the other places a control character can ride in on the envelope.
for (const [name, line, needsMail] of [
  ['NUL in the EHLO name', 'EHLO evil\0host.example', false],
  ['ESC in the EHLO name', 'EHLO evil\x1bhost.example', false],
  ['CR LF hidden in an xtext ESMTP parameter', 'MAIL FROM:<ci@example.com> ENVID=x+0D+0ABcc:+20victim@example.com', false],
  ['NUL in an ESMTP parameter', 'MAIL FROM:<ci@example.com> BODY=8BITMIME\0', false],
  ['DEL in an address', 'MAIL FROM:<ci\x7f@example.com>', false],
  ['a zero-width space in an address', 'RCPT TO:<team\u200b@example.com>', true],
] as const) {
  test(`${name} is refused with 501 and the session goes on`, async () => {
    const smtp = await session(trusted.ports.smtp!);
    if (needsMail) assert.equal((await smtp.command('MAIL FROM:<ci@example.com>')).code, 250);
    smtp.send(Buffer.from(`${line}\r\n`, 'utf8'));
    const reply = await smtp.reply();
    assert.equal(reply.code, 501, reply.text);
    assert.equal((await smtp.command('RSET')).code, 250);
    smtp.end();
  });
}
