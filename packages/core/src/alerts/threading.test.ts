import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileTime, MAX_THREAD_INDEX_CHILDREN, threadGuid } from './thread-index.js';
import { rootMessageId, stripReplyPrefixes, type ThreadOptions, type ThreadPosition, threadHeaders } from './threading.js';

const STARTED = Date.UTC(2025, 0, 15, 9, 30, 0);
const BASE: ThreadPosition = {
  threadKey: 'g-3f2a9c01',
  epoch: 1,
  index: 0,
  startedAt: STARTED,
  at: STARTED,
  firstSubject: '[FIRING:1] gocd pipeline=api',
  domain: 'mailsort.example.com',
};
const ROOT_ID = /^<[0-9a-f]{32}@mailsort\.example\.com>$/;
const PRINTABLE = /^[\x20-\x7e]*$/;

function headersAt(index: number, at = STARTED + index * 60_000, options: Partial<ThreadOptions> = {}): Record<string, string> {
  return threadHeaders({ ...BASE, index, at }, { subject: '[FIRING:2] gocd pipeline=api', ...options });
}

function decodeIndex(value: string): Buffer {
  return Buffer.from(value, 'base64');
}

test('the root has its own deterministic Message-ID and no In-Reply-To or References', () => {
  const headers = headersAt(0);
  assert.match(headers['Message-ID']!, ROOT_ID);
  assert.equal(headers['Message-ID'], rootMessageId(BASE.threadKey, BASE.epoch, BASE.domain));
  assert.equal(headers['In-Reply-To'], undefined);
  assert.equal(headers.References, undefined);
  assert.equal(headers.Subject, '[FIRING:2] gocd pipeline=api');
  assert.equal(headers['Thread-Topic'], '[FIRING:1] gocd pipeline=api');
});

test('the same position gives the same headers on every call (every replica)', () => {
  for (const index of [0, 1, 5]) assert.deepEqual(headersAt(index), headersAt(index));
});

test('follow-ups reply to the root with ids of the form <hex32.n@domain>', () => {
  const root = headersAt(0)['Message-ID'];
  const rows = [1, 2, 15, 16, 250];
  const ids = new Set<string>([root!]);
  for (const index of rows) {
    const headers = headersAt(index);
    assert.match(headers['Message-ID']!, new RegExp(`^<[0-9a-f]{32}\\.${index}@mailsort\\.example\\.com>$`));
    assert.equal(headers['In-Reply-To'], root);
    assert.equal(headers.References, root);
    ids.add(headers['Message-ID']!);
  }
  assert.equal(ids.size, rows.length + 1, 'every position has its own id');
});

test('another epoch or another key starts another thread', () => {
  const ids = [rootMessageId('g-3f2a9c01', 1, 'mailsort.example.com'), rootMessageId('g-3f2a9c01', 2, 'mailsort.example.com'), rootMessageId('g-3f2a9c02', 1, 'mailsort.example.com')];
  assert.equal(new Set(ids).size, 3);
  assert.notEqual(threadHeaders({ ...BASE, index: 1, epoch: 2 }, { subject: 'x' })['Message-ID'], headersAt(1)['Message-ID']);
});

test('a Message-ID domain that could break the header is refused', () => {
  for (const domain of ['', 'a b', 'exa>mple.com', 'x\r\nBcc: a@b', 'ex\u00e4mple.com']) {
    assert.throws(() => rootMessageId('g', 1, domain), TypeError, JSON.stringify(domain));
  }
  assert.throws(() => threadHeaders({ ...BASE, index: -1 }, { subject: 'x' }), RangeError);
  assert.throws(() => threadHeaders({ ...BASE, index: 1.5 }, { subject: 'x' }), RangeError);
});

const SUBJECT_ROWS: Array<{ name: string; firstSubject: string; template?: string; subject?: string; expected: string; topic: string }> = [
  { name: 'default template', firstSubject: 'Disk full', expected: 'Re: Disk full', topic: 'Disk full' },
  { name: 'a first subject already a reply gets no second Re:', firstSubject: 'Re: Disk full', expected: 'Re: Disk full', topic: 'Disk full' },
  { name: 'prefixes in any case, stacked', firstSubject: 'RE: Fwd: fw: re[2]: Disk full', expected: 'Re: Disk full', topic: 'Disk full' },
  { name: 'a word starting with re is no prefix', firstSubject: 'Restore failed', expected: 'Re: Restore failed', topic: 'Restore failed' },
  {
    name: 'template with both placeholders',
    firstSubject: 'Disk full',
    template: '{subject} (was: {first_subject})',
    subject: '[RESOLVED] Disk full',
    expected: '[RESOLVED] Disk full (was: Disk full)',
    topic: 'Disk full',
  },
  { name: 'template without placeholders', firstSubject: 'Disk full', template: 'Update', expected: 'Update', topic: 'Disk full' },
  { name: 'a subject holding a placeholder is not expanded twice', firstSubject: 'x', template: '{subject}', subject: 'literal {first_subject}', expected: 'literal {first_subject}', topic: 'x' },
];

for (const row of SUBJECT_ROWS) {
  test(`follow-up subject: ${row.name}`, () => {
    const options: ThreadOptions = { subject: row.subject ?? 'ignored', ...(row.template ? { followupSubject: row.template } : {}) };
    const headers = threadHeaders({ ...BASE, index: 1, firstSubject: row.firstSubject }, options);
    assert.equal(headers.Subject, row.expected);
    assert.equal(headers['Thread-Topic'], row.topic);
  });
}

test('stripReplyPrefixes leaves a subject without prefixes as it is', () => {
  assert.equal(stripReplyPrefixes('[FIRING:3] gocd'), '[FIRING:3] gocd');
  assert.equal(stripReplyPrefixes('Re:Re:x'), 'x');
});

test('a non-ASCII subject and topic are written as RFC 2047 encoded words', () => {
  const headers = threadHeaders({ ...BASE, index: 1, firstSubject: 'Sauvegarde échouée' }, { subject: 'Sauvegarde échouée' });
  for (const name of ['Subject', 'Thread-Topic']) {
    assert.match(headers[name]!, PRINTABLE, name);
    assert.match(headers[name]!, /=\?UTF-8\?Q\?/i, name);
  }
  const root = threadHeaders({ ...BASE, firstSubject: 'Sauvegarde échouée' }, { subject: 'Sauvegarde échouée' });
  assert.equal(root.Subject, 'Sauvegarde =?UTF-8?Q?=C3=A9chou=C3=A9e?=');
});

test('CR and LF in a subject do not survive into the header (no header injection)', () => {
  const evil = 'Disk full\r\nBcc: victim@example.com';
  for (const index of [0, 1]) {
    const headers = threadHeaders({ ...BASE, index, firstSubject: evil }, { subject: evil });
    for (const [name, value] of Object.entries(headers)) assert.match(value, PRINTABLE, `${name} at index ${index}`);
    assert.equal(headers['Thread-Topic'], 'Disk full Bcc: victim@example.com');
  }
});

test('X-Original-Message-ID keeps the sender id trimmed, brackets as given, and is left out when absent', () => {
  assert.equal(headersAt(1, undefined, { originalMessageId: '  <abc@gocd.example.com>\r\n' })['X-Original-Message-ID'], '<abc@gocd.example.com>');
  assert.equal(headersAt(1, undefined, { originalMessageId: 'abc@gocd' })['X-Original-Message-ID'], 'abc@gocd');
  assert.equal(headersAt(0)['X-Original-Message-ID'], undefined);
  assert.equal(headersAt(0, undefined, { originalMessageId: '   ' })['X-Original-Message-ID'], undefined);
  const odd = headersAt(0, undefined, { originalMessageId: '<a\r\nb@é>' })['X-Original-Message-ID'];
  assert.match(odd!, PRINTABLE);
});

test('Thread-Index: a 22-byte header block with the FILETIME of the start and the thread GUID', () => {
  const bytes = decodeIndex(headersAt(0)['Thread-Index']!);
  assert.equal(bytes.length, 22);
  assert.equal(bytes[0], 0x01);
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(fileTime(STARTED));
  assert.deepEqual(bytes.subarray(1, 6), time.subarray(0, 5));
  // 2025-01-15T09:30Z is FILETIME 133814070000000000; the high 5 bytes keep it to 2^24 units (~1.7 s).
  assert.equal(fileTime(STARTED), 133_814_070_000_000_000n);
  const decoded = Buffer.concat([bytes.subarray(1, 6), Buffer.alloc(3)]).readBigUInt64BE();
  assert.ok(fileTime(STARTED) - decoded < 1n << 24n);
  assert.deepEqual(bytes.subarray(6, 22), threadGuid(BASE.threadKey, BASE.epoch));
  assert.equal(bytes.subarray(6, 22).toString('hex'), rootMessageId(BASE.threadKey, BASE.epoch, BASE.domain).slice(1, 33));
});

test('Thread-Index: follow-ups share the header block and add one 5-byte child block per reply', () => {
  const root = decodeIndex(headersAt(0)['Thread-Index']!);
  for (const index of [1, 2, 3, 17]) {
    const bytes = decodeIndex(headersAt(index)['Thread-Index']!);
    assert.equal(bytes.length, 22 + 5 * index);
    assert.deepEqual(bytes.subarray(0, 22), root);
    for (let k = 1; k <= index; k++) assert.equal(bytes[22 + 5 * k - 1]! & 0x0f, k & 0x0f, `sequence nibble of block ${k}`);
  }
});

test('Thread-Index: the last child block holds the delta since the start, earlier ones an even share', () => {
  const at = STARTED + 3 * 3_600_000;
  const bytes = decodeIndex(headersAt(3, at)['Thread-Index']!);
  const delta = BigInt(at - STARTED) * 10_000n;
  const words = [0, 1, 2].map((k) => bytes.readUInt32BE(22 + 5 * k));
  for (const word of words) assert.equal(word >>> 31, 0, 'DeltaCode 0 for three hours');
  assert.equal(BigInt(words[2]!), delta >> 18n);
  assert.equal(BigInt(words[0]!), (delta / 3n) >> 18n);
  assert.equal(BigInt(words[1]!), ((delta * 2n) / 3n) >> 18n);
});

test('Thread-Index: a delta beyond 31 bits of 2^18 units switches to DeltaCode 1 (2^23 units)', () => {
  const at = STARTED + 1000 * 86_400_000; // 2^31 × 2^18 × 100 ns is about 652 days
  const bytes = decodeIndex(headersAt(1, at)['Thread-Index']!);
  const word = bytes.readUInt32BE(22);
  assert.equal(word >>> 31, 1);
  assert.equal(BigInt(word & 0x7fffffff), (BigInt(at - STARTED) * 10_000n) >> 23n);
});

test('Thread-Index: a clock going backwards gives a zero delta, not a negative one', () => {
  const bytes = decodeIndex(headersAt(1, STARTED - 5_000)['Thread-Index']!);
  assert.equal(bytes.readUInt32BE(22), 0);
});

test('Thread-Index: a very long thread stops adding blocks, so the unfoldable header stays under 998 octets', () => {
  const value = headersAt(5000)['Thread-Index']!;
  assert.equal(decodeIndex(value).length, 22 + 5 * MAX_THREAD_INDEX_CHILDREN);
  assert.ok(`Thread-Index: ${value}`.length <= 998);
});

test('every header value is printable ASCII', () => {
  const headers = threadHeaders({ ...BASE, index: 4, firstSubject: 'Re: 备份失败' }, { subject: 'ünïcode', followupSubject: '{subject} — {first_subject}', originalMessageId: '<x@y>' });
  for (const [name, value] of Object.entries(headers)) assert.match(value, PRINTABLE, name);
});
