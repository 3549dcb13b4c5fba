import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { cleanPrefix, Conversation, startIngestSystem, storedMessage, storedMessageKeys, type IngestSystem } from './ingest-helpers.js';
import { rawSocket, readUntilClosed, replyCodes, sendInPieces } from './hostile-helpers.js';

// The four classic bare endings are pinned over TLS in ingest-refusals and end to end in
// ingest-clients. Here: more of the family, pipelined in one write with the whole
// transaction, and cut into TCP segments at every possible place.
const BARE_ENDINGS = {
  'LF.LF': '\n.\n',
  'CR.CR': '\r.\r',
  'LF.CRLF': '\n.\r\n',
  'CRLF.LF': '\r\n.\n',
  'CRLF.CR': '\r\n.\r',
  'CR.CRLF': '\r.\r\n',
  'LF.CR': '\n.\r',
  'CRLF.NUL.CRLF': '\r\n.\0\r\n',
  'CRLF.SP.CRLF': '\r\n. \r\n',
} as const;

const SMUGGLED = 'MAIL FROM:<ci@example.com>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil';

let system: IngestSystem;

before(async () => {
  system = await startIngestSystem({
    name: 'hostile-smuggling',
    listeners: [{ name: 'smtp', tls: 'none' }],
    ingest: { trusted_networks: ['127.0.0.0/8'] },
  });
});

after(async () => {
  await system.stop();
  await cleanPrefix(system.prefix);
});

/**
 * Sends a whole session after the greeting (how it is cut into writes is up to `send`) and
 * returns the replies and the messages it added to the store.
 */
async function session(body: string, send: (write: (bytes: Buffer) => void, conversation: string) => Promise<void>) {
  const before = new Set(await storedMessageKeys(system.prefix));
  const socket = await rawSocket(system.ports.smtp!);
  const replies = readUntilClosed(socket);
  await new Promise((resolve) => socket.once('data', resolve));
  await send((bytes) => socket.write(bytes), `EHLO client.test\r\nMAIL FROM:<ci@example.com>\r\nRCPT TO:<team@example.com>\r\nDATA\r\n${body}\r\n.\r\nQUIT\r\n`);
  const text = await replies;
  const added = (await storedMessageKeys(system.prefix)).filter((key) => !before.has(key));
  const stored = await Promise.all(added.map(async (key) => (await storedMessage(key))!.toString('latin1').replace(/^Received: [^\r\n]+\r\n(\t[^\r\n]+\r\n)+/, '')));
  return { codes: replyCodes(text), text, stored };
}

function assertOneMessage(result: Awaited<ReturnType<typeof session>>, body: string): void {
  assert.deepEqual(result.codes, [220, 250, 250, 250, 354, 250, 221], `replies: ${result.text}`);
  assert.equal(result.stored.length, 1, 'exactly one message stored');
  assert.equal(result.stored[0], `${body}\r\n`, 'stored byte for byte after the Received: header');
}

for (const [name, ending] of Object.entries(BARE_ENDINGS)) {
  test(`a smuggled ${name} end of data, pipelined in one write with the whole transaction, is content: one message`, async () => {
    const body = `Subject: outer\r\n\r\nfirst${ending}${SMUGGLED}`;
    assertOneMessage(await session(body, async (write, conversation) => write(Buffer.from(conversation, 'latin1'))), body);
  });
}

for (const size of [1, 2, 3, 5]) {
  test(`every smuggling ending sent in ${size}-byte TCP segments still yields one message with the bytes as sent`, async () => {
    const body = `Subject: segmented\r\n\r\nfirst${Object.values(BARE_ENDINGS)
      .map((ending) => `${ending}${SMUGGLED}`)
      .join('')}\r\n..dot-stuffed line\r\nlast`;
    const expected = body.replace('\r\n..dot', '\r\n.dot');
    const result = await session(body, (write, conversation) => sendInPieces(write, conversation, size, 1));
    assert.deepEqual(result.codes, [220, 250, 250, 250, 354, 250, 221], `replies: ${result.text}`);
    assert.deepEqual(result.stored, [`${expected}\r\n`]);
  });
}

test('a dot-stuffed "." as the first DATA line, cut between its two dots, is content and does not end DATA early', async () => {
  const before = new Set(await storedMessageKeys(system.prefix));
  const smtp = await Conversation.plain(system.ports.smtp!);
  await smtp.reply();
  await smtp.command('EHLO client.test');
  await smtp.command('MAIL FROM:<ci@example.com>');
  await smtp.command('RCPT TO:<team@example.com>');
  assert.equal((await smtp.command('DATA')).code, 354);
  // The escape dot alone in one segment, then a line that would be the terminator if the
  // server forgot that the escape had already been consumed.
  smtp.send('.');
  await new Promise((resolve) => setTimeout(resolve, 50));
  smtp.send(`.\r\n${SMUGGLED}\r\n.\r\nQUIT\r\n`);
  assert.match((await smtp.reply()).text, /^250 2\.0\.0 Ok: queued as M/);
  assert.equal((await smtp.reply()).code, 221, 'the next reply answers QUIT, not a smuggled command');
  smtp.end();
  const added = (await storedMessageKeys(system.prefix)).filter((key) => !before.has(key));
  assert.equal(added.length, 1);
  const raw = (await storedMessage(added[0]!))!.toString('latin1');
  assert.ok(raw.endsWith(`\r\n.\r\n${SMUGGLED}\r\n`), JSON.stringify(raw.slice(-200)));
});
