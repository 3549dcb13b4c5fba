import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Conversation } from './ingest-helpers.js';
import { deletePrefix, testRedis } from './support/redis.js';
import { startSystem } from './support/system.js';
import { startWireSink } from './support/wire-sink.js';

// Found by our attack review: wants() compared messages_we_want by mailboxKey but
// unclaimedRecipients() by toLowerCase of the config spelling, so a managed address written in
// another spelling of the same mailbox (IDN U-label, needless quotes) was claimed AND
// "unclaimed": the rule's rewritten copy went out, and the raw message to the managed address too.
const ROUTING = {
  managers: [
    {
      name: 'alerts',
      kind: 'mail',
      messages_we_want: { to: 'alerts@münchen.example' },
      rules: [{ actions: ['mailto:team@example.com'], filter: { function: 'mail.any', args: [] } }],
    },
    {
      name: 'quoted',
      kind: 'mail',
      messages_we_want: { to: '"oncall"@example.com' },
      rules: [{ actions: ['mailto:pager@example.com'], filter: { function: 'mail.any', args: [] } }],
    },
  ],
};

const redis = testRedis();
let sink: Awaited<ReturnType<typeof startWireSink>>;
let system: Awaited<ReturnType<typeof startSystem>>;

before(async () => {
  sink = await startWireSink();
  system = await startSystem({ name: 'hostile-managed-spelling', upstreamPort: sink.port, services: ['sender', 'router', 'ingest'], extra: { routing: ROUTING } });
});

after(async () => {
  await system.stop();
  await sink.close();
  await deletePrefix(redis, system.prefix);
  redis.disconnect();
});

async function send(rcpt: string): Promise<string> {
  const smtp = await Conversation.plain(system.smtpPort);
  assert.equal((await smtp.reply()).code, 220);
  assert.equal((await smtp.command('EHLO client.test')).code, 250);
  assert.equal((await smtp.command('MAIL FROM:<ci@example.com>')).code, 250);
  assert.equal((await smtp.command(`RCPT TO:<${rcpt}>`)).code, 250);
  assert.equal((await smtp.command('DATA')).code, 354);
  smtp.send(Buffer.from('From: ci@example.com\r\nTo: secret-list@example.com\r\nSubject: probe\r\n\r\nbody\r\n.\r\n'));
  const id = /queued as (\S+)/.exec((await smtp.reply()).text)?.[1];
  assert.ok(id);
  smtp.end();
  await system
    .service('router')
    .waitForLog((line) => line.id === id && /rout/.test(String(line.msg)), 20_000)
    .catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 2500));
  return id;
}

for (const [rcpt, team] of [
  ['alerts@xn--mnchen-3ya.example', 'team@example.com'],
  ['oncall@example.com', 'pager@example.com'],
] as const) {
  test(`regression: a managed address spelled otherwise in messages_we_want also got the raw mail as an other recipient — a mail to ${rcpt} reaches only the rule's recipient`, async () => {
    const id = await send(rcpt);
    const mine = sink.transactions.filter((t) => t.data.includes(id));
    const recipients = mine.flatMap((t) => t.accepted);
    assert.deepEqual(
      recipients,
      [team],
      `upstream transactions: ${JSON.stringify(
        mine.map((t) => ({ commands: t.commands, head: t.data.toString('latin1').split('\r\n\r\n')[0] })),
        null,
        1,
      )}`,
    );
  });
}
