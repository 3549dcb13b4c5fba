import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { crlfLines, flappingNotice, formatDuration, type NotifiedAlert, type SummaryMailInput, summaryMail } from './notification-mail.js';

interface ParsedAttachment {
  contentType: string;
  filename?: string;
  contentDisposition: string;
  content: Buffer;
  headers: Map<string, unknown>;
}
interface ParsedMail {
  subject?: string;
  from?: { text: string; value: Array<{ address?: string; name: string }> };
  to?: { text: string };
  date?: Date;
  text?: string;
  headers: Map<string, unknown>;
  attachments: ParsedAttachment[];
}
// mailparser ships no types (see rules/body-text.ts); only what these tests read is typed.
const { simpleParser } = createRequire(import.meta.url)('mailparser') as { simpleParser: (raw: Buffer) => Promise<ParsedMail> };

const T0 = Date.UTC(2025, 0, 15, 9, 30, 0);
const ALERTS: NotifiedAlert[] = [
  {
    summary: 'Stage [api/6/build/1] is broken',
    status: 'firing',
    severity: 'error',
    source: 'gocd',
    key: 'gocd-bb62f05f8e7f047b',
    labels: { pipeline: 'api', stage: 'build' },
    firstSeen: T0,
    lastSeen: T0 + 120_000,
    count: 3,
  },
  {
    summary: 'Sauvegarde échouée sur db1',
    status: 'resolved',
    severity: 'critical',
    source: 'cron',
    key: 'cron-0011223344556677',
    labels: { host: 'db1' },
    firstSeen: T0 + 5_000,
    lastSeen: T0 + 5_000,
    count: 1,
  },
];
const LF_ORIGINAL = Buffer.from('From: gocd@example.com\nSubject: Stage [api/6/build/1] is broken\n\nSee the build log.\nBare CR here:\rend\n');
const UTF8_ORIGINAL = Buffer.from(
  'From: cron@db1\r\nSubject: =?UTF-8?Q?Sauvegarde_=C3=A9chou=C3=A9e?=\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nLa sauvegarde a échoué.\r\n',
  'utf8',
);

function input(overrides: Partial<SummaryMailInput> = {}): SummaryMailInput {
  return {
    from: '"Mailsort" <alerts@example.com>',
    to: 'team-a@example.com',
    date: new Date(T0 + 180_000),
    subject: '[FIRING:1] gocd',
    groupName: 'team-a / gocd pipeline=api',
    alerts: ALERTS,
    originals: [LF_ORIGINAL, UTF8_ORIGINAL],
    ...overrides,
  };
}

/** Every line ends with CRLF, and none is longer than RFC 5322's 998 octets. */
function assertWireLines(raw: Buffer): void {
  const text = raw.toString('latin1');
  assert.ok(text.endsWith('\r\n'), 'ends with CRLF');
  assert.doesNotMatch(text, /\r(?!\n)|(?<!\r)\n/, 'no bare CR or LF');
  for (const line of text.split('\r\n')) assert.ok(Buffer.byteLength(line, 'latin1') <= 998, `line of ${line.length} octets`);
}

/** The raw text of the MIME part whose headers name `filename`, up to the next boundary. */
function rawPart(raw: Buffer, filename: string): string {
  const text = raw.toString('latin1');
  const start = text.lastIndexOf('\r\n--', text.indexOf(`filename=${filename}`));
  const end = text.indexOf('\r\n--', text.indexOf(`filename=${filename}`));
  return text.slice(start, end);
}

test('a summary mail carries the caller subject, addresses and the notification headers', async () => {
  const raw = await summaryMail(input());
  const mail = await simpleParser(raw);
  assert.equal(mail.subject, '[FIRING:1] gocd');
  assert.deepEqual(mail.from?.value, [{ address: 'alerts@example.com', name: 'Mailsort' }]);
  assert.equal(mail.to?.text, 'team-a@example.com');
  assert.equal(mail.date?.getTime(), T0 + 180_000);
  assert.equal(mail.headers.get('auto-submitted'), 'auto-generated');
  assert.equal(mail.headers.get('x-mailsort-notification'), 'summary');
  assert.match(raw.toString('latin1'), /^Content-Type: multipart\/mixed; boundary=/m);
});

test('the summary text lists every alert with status, severity, times, count and labels', async () => {
  const mail = await simpleParser(await summaryMail(input()));
  const text = mail.text ?? '';
  assert.match(text, /^2 alerts in team-a \/ gocd pipeline=api:/);
  assert.match(text, /FIRING error: Stage \[api\/6\/build\/1\] is broken\n {2}first seen 2025-01-15T09:30:00.000Z, last seen 2025-01-15T09:32:00.000Z, 3 mails\n/);
  assert.match(text, /RESOLVED critical: Sauvegarde échouée sur db1\n {2}first seen 2025-01-15T09:30:05.000Z, last seen 2025-01-15T09:30:05.000Z, 1 mail\n/);
  assert.match(text, /pipeline=api stage=build/);
  assert.match(text, /host=db1/);
  assert.match(text, /The original mails are attached\.\n$/);
});

test('the originals are attached as message/rfc822, in order, with CRLF lines', async () => {
  const mail = await simpleParser(await summaryMail(input()));
  assert.equal(mail.attachments.length, 2);
  const expected = [crlfLines(LF_ORIGINAL), crlfLines(UTF8_ORIGINAL)];
  mail.attachments.forEach((attachment, i) => {
    assert.equal(attachment.contentType, 'message/rfc822');
    assert.equal(attachment.filename, `alert-${i + 1}.eml`);
    assert.equal(attachment.contentDisposition, 'attachment');
    assert.deepEqual(attachment.content, expected[i]);
  });
  assert.equal(mail.attachments[0]!.content.toString(), 'From: gocd@example.com\r\nSubject: Stage [api/6/build/1] is broken\r\n\r\nSee the build log.\r\nBare CR here:\r\nend\r\n');
});

test('an original with 8-bit bytes is attached 8bit, an ASCII one 7bit, never base64 or QP', async () => {
  const raw = await summaryMail(input());
  const lf = rawPart(raw, 'alert-1.eml');
  const utf8 = rawPart(raw, 'alert-2.eml');
  assert.match(lf, /Content-Transfer-Encoding: 7bit\r\n/);
  assert.match(utf8, /Content-Transfer-Encoding: 8bit\r\n/);
  assert.ok(utf8.includes(Buffer.from('La sauvegarde a échoué.', 'utf8').toString('latin1')), 'the UTF-8 body bytes as they are');
  assert.ok(!raw.toString('latin1').includes(UTF8_ORIGINAL.toString('base64').slice(0, 40)), 'no base64 of the original');
});

test('a non-ASCII summary and subject survive as UTF-8', async () => {
  const mail = await simpleParser(await summaryMail(input({ subject: '[FIRING:1] Sauvegarde échouée' })));
  assert.equal(mail.subject, '[FIRING:1] Sauvegarde échouée');
  assert.match(mail.text ?? '', /Sauvegarde échouée sur db1/);
});

test('the whole summary mail has CRLF lines of at most 998 octets, long labels included', async () => {
  const long: NotifiedAlert = { ...ALERTS[0]!, labels: { description: 'x'.repeat(3000) }, summary: 'y'.repeat(1500) };
  assertWireLines(await summaryMail(input()));
  assertWireLines(await summaryMail(input({ alerts: [long], originals: [LF_ORIGINAL] })));
});

test('an original with a line over 998 octets cannot be message/rfc822 and is attached as base64 octets', async () => {
  const original = Buffer.from(`Subject: long\r\n\r\n${'z'.repeat(2000)}\r\n`);
  const raw = await summaryMail(input({ alerts: [ALERTS[0]!], originals: [original] }));
  assertWireLines(raw);
  const [attachment] = (await simpleParser(raw)).attachments;
  // mailparser reports an octet-stream .eml as message/rfc822 (from the name); the header says what was sent.
  assert.deepEqual(attachment?.headers.get('content-type'), { value: 'application/octet-stream', params: { name: 'alert-1.eml' } });
  assert.match(attachment?.headers.get('content-transfer-encoding') as string, /^base64$/);
  assert.equal(attachment?.filename, 'alert-1.eml');
  assert.deepEqual(attachment?.content, original);
});

test('a line break in a summary or label cannot forge a line of the text', async () => {
  const forged: NotifiedAlert = { ...ALERTS[0]!, summary: 'ok\nRESOLVED info: all good', labels: { 'a\r\nb': 'c\nd' } };
  const mail = await simpleParser(await summaryMail(input({ alerts: [forged], originals: [LF_ORIGINAL] })));
  assert.match(mail.text ?? '', /FIRING error: ok RESOLVED info: all good\n/);
  assert.match(mail.text ?? '', /a b=c d/);
});

test('a summary refuses more originals than alerts, and says how many it attaches when fewer', async () => {
  await assert.rejects(summaryMail(input({ alerts: [ALERTS[0]!], originals: [LF_ORIGINAL, LF_ORIGINAL] })), RangeError);
  const mail = await simpleParser(await summaryMail(input({ originals: [null, UTF8_ORIGINAL] })));
  assert.equal(mail.attachments.length, 1);
  assert.match(mail.text ?? '', /1 of the 2 original mails are attached\./);
});

test('a flapping notice says what flaps, for how long, and when mailsort sends again', async () => {
  const raw = await flappingNotice({
    from: 'alerts@example.com',
    to: 'team-a@example.com',
    date: new Date(T0),
    subject: '[FLAPPING] Stage [api/6/build/1] is broken',
    alert: ALERTS[0]!,
    changes: 7,
    windowMs: 3_600_000,
    settleBelow: 2,
  });
  assertWireLines(raw);
  const mail = await simpleParser(raw);
  assert.equal(mail.subject, '[FLAPPING] Stage [api/6/build/1] is broken');
  assert.equal(mail.from?.text, 'alerts@example.com');
  assert.equal(mail.headers.get('x-mailsort-notification'), 'flapping');
  assert.equal(mail.headers.get('auto-submitted'), 'auto-generated');
  assert.equal(mail.attachments.length, 0);
  assert.match(String((mail.headers.get('content-type') as { value: string }).value), /^text\/plain$/);
  const text = mail.text ?? '';
  assert.match(text, /^Stage \[api\/6\/build\/1\] is broken is flapping: it changed state 7 times in the last 1h\.\n/);
  assert.match(text, /mailsort holds further mails for it until it changes state at most 2 times in 1h, and then sends its state at that time\./);
  assert.match(text, /first seen 2025-01-15T09:30:00.000Z, last seen 2025-01-15T09:32:00.000Z/);
  assert.match(text, /pipeline=api stage=build/);
});

const DURATIONS: Array<[ms: number, text: string]> = [
  [3_600_000, '1h'],
  [1_800_000, '30m'],
  [5_400_000, '1h 30m'],
  [2 * 86_400_000, '2d'],
  [45_000, '45s'],
  [500, '500ms'],
  [0, '0ms'],
];

for (const [ms, text] of DURATIONS) {
  test(`a window of ${ms} ms reads as ${text}`, () => assert.equal(formatDuration(ms), text));
}

test('crlfLines turns bare LF and bare CR into CRLF and leaves CRLF alone', () => {
  assert.equal(crlfLines(Buffer.from('a\nb\rc\r\nd\n\re')).toString(), 'a\r\nb\r\nc\r\nd\r\n\r\ne');
  const bytes = Buffer.from([0xc3, 0xa9, 0x0a, 0xff]);
  assert.deepEqual(crlfLines(bytes), Buffer.from([0xc3, 0xa9, 0x0d, 0x0a, 0xff]));
});
