import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Conversation } from './ingest-helpers.js';
import { deletePrefix, testRedis } from './support/redis.js';
import { startSystem } from './support/system.js';
import { startWireSink } from './support/wire-sink.js';

// What the upstream sees, line by line, when the client hides line ends in characters or in
// bare CRs. Every line end on the wire is CRLF (the sender's client writes a bare CR or LF as
// CRLF), so the header lines are read here exactly as the upstream would read them.
const ROUTING = {
  managers: [
    {
      name: 'alerts',
      kind: 'mail',
      messages_we_want: { to: 'alerts@example.com' },
      rules: [{ actions: ['mailto:team@example.com'], filter: { function: 'mail.any', args: [] } }],
    },
  ],
};

const redis = testRedis();
let sink: Awaited<ReturnType<typeof startWireSink>>;
let system: Awaited<ReturnType<typeof startSystem>>;

before(async () => {
  sink = await startWireSink();
  system = await startSystem({ name: 'hostile-header-lines', upstreamPort: sink.port, services: ['sender', 'router', 'ingest'], extra: { routing: ROUTING } });
});

after(async () => {
  await system.stop();
  await sink.close();
  await deletePrefix(redis, system.prefix);
  redis.disconnect();
});

async function utf8Command(smtp: Conversation, line: string) {
  smtp.send(Buffer.from(`${line}\r\n`, 'utf8'));
  return smtp.reply();
}

/** Sends one message and returns the header lines (unfolded names) the upstream got. */
async function headerLinesAtUpstream(ehlo: string, rcpt: string, message: string): Promise<string[]> {
  const smtp = await Conversation.plain(system.smtpPort);
  assert.equal((await smtp.reply()).code, 220);
  assert.equal((await utf8Command(smtp, `EHLO ${ehlo}`)).code, 250);
  assert.equal((await smtp.command('MAIL FROM:<ci@example.com>')).code, 250);
  assert.equal((await utf8Command(smtp, `RCPT TO:<${rcpt}>`)).code, 250);
  assert.equal((await smtp.command('DATA')).code, 354);
  smtp.send(Buffer.from(`${message}\r\n.\r\n`, 'utf8'));
  const id = /queued as (\S+)/.exec((await smtp.reply()).text)?.[1];
  assert.ok(id);
  smtp.end();
  await system.service('sender').waitForLog((line) => line.msg === 'delivered' && line.id === id, 20_000);
  const transaction = sink.transactions.find((t) => t.data.includes(id));
  assert.ok(transaction, 'the upstream got it');
  const head = transaction.data.toString('latin1').split('\r\n\r\n')[0]!;
  return head.split('\r\n');
}

test('regression: U+4E0D U+4E0A (low bytes CR LF) in EHLO or a recipient do not start a new header line in Received:', async () => {
  const lines = await headerLinesAtUpstream('evil\u4e0d\u4e0abcc:victim@evil.example', 'ops\u4e0d\u4e0aX@example.com', 'Subject: trace\r\n\r\nbody');
  assert.ok(
    lines.every((line) => /^[\x20-\x7e\t]*$/.test(line)),
    `printable ASCII lines: ${JSON.stringify(lines)}`,
  );
  const names = lines.filter((line) => !/^[ \t]/.test(line)).map((line) => line.slice(0, line.indexOf(':')).toLowerCase());
  assert.deepEqual(names, ['received', 'subject'], 'no forged bcc: or other header');
});

test('regression: a bare CR in a header cannot put a forged From/To ahead of the rewrite of a managed mail', async () => {
  const lines = await headerLinesAtUpstream('client.test', 'alerts@example.com', 'Subject: x\rFrom: ceo@victim.example\rTo: everyone@victim.example\r\nX-Order: 1\n\r\nbody');
  const fields = lines.filter((line) => !/^[ \t]/.test(line));
  assert.deepEqual(
    fields.filter((line) => /^from:/i.test(line)),
    ['From: ci@example.com'],
    JSON.stringify(lines),
  );
  assert.deepEqual(
    fields.filter((line) => /^to:/i.test(line)),
    ['To: team@example.com'],
    JSON.stringify(lines),
  );
});
