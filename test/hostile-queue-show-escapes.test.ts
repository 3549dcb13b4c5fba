import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Conversation } from './ingest-helpers.js';
import { queueCommand } from './support/queue-cli.js';
import { deletePrefix, testRedis } from './support/redis.js';
import { startSystem } from './support/system.js';

// Found by our attack review: a recipient with a bidi override (U+202E) was accepted, and
// `mailsort queue show` printed it raw (JSON.stringify escapes only C0), so the terminal showed
// the address reordered. Such an address is now refused at RCPT; JSON output for people goes
// through printableJson (C1, bidi and separators as \uXXXX) — its table is in printable.test.ts.
const redis = testRedis();
let system: Awaited<ReturnType<typeof startSystem>>;

before(async () => {
  // No sender: the delivery stays queued for the CLI to show.
  system = await startSystem({ name: 'hostile-queue-show', upstreamPort: 1, services: ['router', 'ingest'] });
});

after(async () => {
  await system.stop();
  await deletePrefix(redis, system.prefix);
  redis.disconnect();
});

for (const [name, char] of [
  ['a bidi override (U+202E)', '\u202e'],
  ['a right-to-left mark (U+200F)', '\u200f'],
  ['a zero-width space (U+200B)', '\u200b'],
  ['a line separator (U+2028)', '\u2028'],
] as const) {
  test(`regression: a recipient with ${name} was accepted and shown reordered by queue show — it is refused 501 5.1.3 and nothing is queued`, async () => {
    const smtp = await Conversation.plain(system.smtpPort);
    assert.equal((await smtp.reply()).code, 220);
    assert.equal((await smtp.command('EHLO client.test')).code, 250);
    assert.equal((await smtp.command('MAIL FROM:<ci@example.com>')).code, 250);
    smtp.send(Buffer.from(`RCPT TO:<ops${char}gro.live@example.com>\r\n`, 'utf8'));
    const rcpt = await smtp.reply();
    assert.equal(rcpt.code, 501, rcpt.text);
    // smtp-server refuses some of them itself (without 5.1.3); mailsort refuses the rest.
    assert.match(rcpt.text, /^501 (5\.1\.3 )?(Error: )?Bad recipient address syntax/);
    smtp.end();
    const listed = await queueCommand(system.configFile, 'list');
    assert.doesNotMatch(listed.out, /gro\.live/);
  });
}
