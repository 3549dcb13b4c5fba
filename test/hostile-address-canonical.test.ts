import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { headerSection, splitHeaderFields } from '@mailsort/core';
import { Conversation } from './ingest-helpers.js';
import { deletePrefix, testRedis } from './support/redis.js';
import { startSystem } from './support/system.js';
import { startWireSink } from './support/wire-sink.js';

// ingest → router → sender → a raw-socket SMTP sink that keeps MAIL FROM / RCPT TO byte for
// byte and counts the copies each recipient got. retry-me@ is refused 451 once, which forces
// a second attempt for it while the others are already accepted.
const ROUTING = {
  managers: [
    {
      name: 'alerts',
      kind: 'mail',
      messages_we_want: { to: 'alerts@example.com' },
      rules: [{ actions: ['mailto:Team@Example.COM'], filter: { function: 'mail.any', args: [] } }],
    },
  ],
};

const redis = testRedis();
let sink: Awaited<ReturnType<typeof startWireSink>>;
let system: Awaited<ReturnType<typeof startSystem>>;

before(async () => {
  sink = await startWireSink({ rcpt: (address, attempt) => (address === 'retry-me@example.com' && attempt === 1 ? '451 4.2.0 try again' : undefined) });
  system = await startSystem({
    name: 'hostile-address-canonical',
    upstreamPort: sink.port,
    services: ['sender', 'router', 'ingest'],
    extra: { routing: ROUTING, delivery: { retry: ['200ms'], max_lifetime: '60s' } },
  });
});

after(async () => {
  await system.stop();
  await sink.close();
  await deletePrefix(redis, system.prefix);
  redis.disconnect();
});

async function session(): Promise<Conversation> {
  const smtp = await Conversation.plain(system.smtpPort);
  assert.equal((await smtp.reply()).code, 220);
  assert.equal((await smtp.command('EHLO client.test')).code, 250);
  return smtp;
}

async function utf8Command(smtp: Conversation, line: string) {
  smtp.send(Buffer.from(`${line}\r\n`, 'utf8'));
  return smtp.reply();
}

async function queued(smtp: Conversation, message: string): Promise<string> {
  assert.equal((await smtp.command('DATA')).code, 354);
  const reply = await smtp.command(`${message}\r\n.`);
  const id = /queued as (\S+)/.exec(reply.text)?.[1];
  assert.ok(id, reply.text);
  return id;
}

const delivered = (id: string) => system.service('sender').waitForLog((line) => line.msg === 'delivered' && line.id === id, 20_000);

test('regression: an address nodemailer would re-parse (comma, comment, colon) is refused 501 at ingest instead of being split or re-spelled', async () => {
  const smtp = await session();
  for (const sender of ['ceo,x@ci.example.com', 'ceo(x)@ci.example.com', 'ceo:x@ci.example.com']) {
    const reply = await smtp.command(`MAIL FROM:<${sender}>`);
    assert.match(reply.text, /^501 5\.1\.7 Bad sender address syntax: /, sender);
  }
  assert.equal((await smtp.command('MAIL FROM:<ci@example.com>')).code, 250);
  for (const rcpt of ['a,b@x.example', 'ops(comment)@example.com', '"ops"x@example.com']) {
    const reply = await smtp.command(`RCPT TO:<${rcpt}>`);
    assert.match(reply.text, /^501 5\.1\.3 Bad recipient address syntax: /, rcpt);
  }
  assert.equal((await smtp.command('RCPT TO:<team@example.com>')).code, 250, 'the session goes on');
  assert.equal((await smtp.command('QUIT')).code, 221);
});

test('regression: MAIL FROM and RCPT TO reach the upstream byte for byte in the canonical form, and each recipient gets exactly one copy, also after a forced retry', async () => {
  const smtp = await session();
  assert.equal((await smtp.command('MAIL FROM:<CI@Build.Example.COM>')).code, 250);
  const rcpts = ['Ops@Example.COM', 'ops@münchen.example', 'OPS@xn--mnchen-3ya.example', '"first.last"@example.com', '"vic\\"tim"@example.com', 'user@[IPv6:0:0:0:0:0:0:0:1]', 'retry-me@example.com'];
  for (const rcpt of rcpts) assert.equal((await utf8Command(smtp, `RCPT TO:<${rcpt}>`)).code, 250, rcpt);
  const id = await queued(smtp, 'Subject: shapes\r\n\r\none copy each');
  smtp.end();
  await delivered(id);

  const mine = sink.transactions.filter((t) => t.data.includes('Subject: shapes'));
  assert.equal(mine.length, 2, 'the first attempt, then one retry for the deferred recipient');
  assert.match(mine[0]!.commands[0]!, /^MAIL FROM:<CI@build\.example\.com>(?: BODY=8BITMIME)?$/);
  assert.deepEqual(
    mine[0]!.commands.slice(1),
    [
      'RCPT TO:<Ops@example.com>',
      'RCPT TO:<ops@xn--mnchen-3ya.example>',
      'RCPT TO:<first.last@example.com>',
      'RCPT TO:<"vic\\"tim"@example.com>',
      'RCPT TO:<user@[IPv6:::1]>',
      'RCPT TO:<retry-me@example.com>',
    ],
    'each recipient once (two spellings of one IDN mailbox are one), in its canonical spelling',
  );
  assert.deepEqual(mine[1]!.commands.slice(1), ['RCPT TO:<retry-me@example.com>'], 'the retry goes only to the deferred recipient');
  for (const address of ['Ops@example.com', 'ops@xn--mnchen-3ya.example', 'first.last@example.com', '"vic\\"tim"@example.com', 'user@[IPv6:::1]', 'retry-me@example.com']) {
    assert.equal(sink.copies.get(address), 1, `${address} got exactly one copy`);
  }
});

test('regression: a managed mail from a rule recipient in mixed case is delivered once, with its To rewritten to the canonical spelling', async () => {
  const smtp = await session();
  assert.equal((await smtp.command('MAIL FROM:<cron@db1.example.com>')).code, 250);
  assert.equal((await smtp.command('RCPT TO:<Alerts@EXAMPLE.com>')).code, 250);
  const id = await queued(smtp, 'Subject: managed\r\nTo: alerts@example.com\r\n\r\nbody');
  smtp.end();
  await delivered(id);
  const mine = sink.transactions.filter((t) => t.data.includes('Subject: managed'));
  assert.equal(mine.length, 1);
  assert.deepEqual(mine[0]!.commands.slice(1), ['RCPT TO:<Team@example.com>']);
  const to = splitHeaderFields(headerSection(mine[0]!.data)).filter((field) => /^to:/i.test(field));
  assert.deepEqual(to, ['To: Team@example.com\r\n']);
});
