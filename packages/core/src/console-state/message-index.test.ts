import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesQuery, type IndexedMessage, type MessageQuery } from './message-index.js';

const ENTRY: IndexedMessage = {
  id: 'M1M8TGJHYD2HB2GPYM5G',
  at: 1000,
  from: 'go@example.com',
  to: ['team@example.com', 'ops@example.com'],
  subject: 'Stage [my-pipeline/6/build/1] is broken',
  messageId: '<gocd-6@example.com>',
  client: { address: '10.0.0.1', tls: true, user: 'gocd' },
};

const CASES: Array<{ name: string; query: MessageQuery; expected: boolean }> = [
  { name: 'an empty query matches', query: {}, expected: true },
  { name: 'words anywhere, any case', query: { text: 'BROKEN my-pipeline' }, expected: true },
  { name: 'every word must appear', query: { text: 'broken fixed' }, expected: false },
  { name: 'the queue id is a word', query: { text: 'm1m8tgjhyd2hb2gpym5g' }, expected: true },
  { name: 'the Message-ID is a word', query: { text: 'gocd-6@example.com' }, expected: true },
  { name: 'to matches any recipient', query: { to: 'ops@' }, expected: true },
  { name: 'from is the envelope sender only', query: { from: 'team@' }, expected: false },
  { name: 'subject words', query: { subject: 'stage [my-pipeline' }, expected: true },
  { name: 'messageId field', query: { messageId: '<gocd-7' }, expected: false },
];
for (const { name, query, expected } of CASES) test(`matchesQuery: ${name}`, () => assert.equal(matchesQuery(ENTRY, query), expected));

test('search pages through the index by score: every entry once, newest first, ties across a page boundary included', async () => {
  const { createMessageIndex } = await import('./message-index.js');
  const { deletePrefix, testRedis, uniquePrefix } = await import('../../../../test/support/redis.js');
  const redis = testRedis();
  const prefix = uniquePrefix('message-index');
  try {
    const index = createMessageIndex(redis, prefix);
    // 12,000 entries, 3 per millisecond, so pages of 5000 end inside a run of equal scores.
    const entries = Array.from({ length: 12_000 }, (_, n) => ({
      ...ENTRY,
      id: `M${String(n).padStart(19, '0')}`,
      at: 1_000_000 + Math.floor(n / 3),
      subject: n % 1000 === 0 ? `rare ${n}` : `common ${n}`,
    }));
    for (let start = 0; start < entries.length; start += 1000) {
      await redis.zadd(`${prefix}:console:messages`, ...entries.slice(start, start + 1000).flatMap((entry) => [entry.at, JSON.stringify(entry)]));
    }
    const rare = await index.search({ text: 'rare', limit: 200 }, 2_000_000);
    assert.deepEqual(
      rare.results.map((entry) => entry.subject),
      Array.from({ length: 12 }, (_, k) => `rare ${(11 - k) * 1000}`),
    );
    assert.equal(rare.scanned, 12_000, 'each entry read once');
    assert.equal(rare.stopped, false);
    const capped = await index.search({ text: 'nowhere' }, 2_000_000, 7000);
    assert.deepEqual([capped.scanned, capped.stopped, capped.results.length], [7000, true, 0], 'a search that matches nothing stops at its scan limit');
    const window = await index.search({ text: 'common', since: 1_000_000, until: 1_000_009, limit: 200 }, 2_000_000);
    assert.equal(window.results.length, 29, 'the 30 entries of 10 ms, less the rare one');
    await index.record(entries[0]!);
    assert.equal(await index.count(), 12_000, 'writing the same summary again adds nothing');
    assert.equal(await index.trim(1_000_001), 3);
  } finally {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
});
