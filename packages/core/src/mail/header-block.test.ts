import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyHeaderRewrites, bodyOffset, headerSection, splitHeaderFields } from './header-block.js';

const RAW = Buffer.from('Received: from a\r\n\tby b\r\nFrom: x@example.com\r\nTo: old@example.com,\r\n  other@example.com\r\nSubject: hi\r\n\r\nbody\r\nTo: not a header\r\n', 'latin1');

test('finds the body after the first blank line, CRLF or bare LF', () => {
  assert.equal(RAW.subarray(bodyOffset(RAW)).toString(), 'body\r\nTo: not a header\r\n');
  assert.equal(bodyOffset(Buffer.from('A: b\n\nbody')), 6);
  assert.equal(bodyOffset(Buffer.from('A: b\r\n')), 6, 'no blank line: all header');
});

test('splits folded header fields as whole fields', () => {
  const fields = splitHeaderFields(headerSection(RAW).replace(/\r\n$/, ''));
  assert.equal(fields.length, 4);
  assert.equal(fields[2], 'To: old@example.com,\r\n  other@example.com\r\n');
});

test('rewrites replace every folded copy of a header and leave the body byte for byte', () => {
  const out = applyHeaderRewrites(RAW, { set: { To: 'team@example.com', From: 'go@example.com' }, remove: [] }).toString('latin1');
  assert.equal(out, 'Received: from a\r\n\tby b\r\nSubject: hi\r\nTo: team@example.com\r\nFrom: go@example.com\r\n\r\nbody\r\nTo: not a header\r\n');
});

test('a rewrite value cannot inject a header: CR, LF and NUL are flattened', () => {
  const out = applyHeaderRewrites(RAW, { set: { To: 'a@example.com\r\nBcc: victim@example.com\0' }, remove: [] }).toString('latin1');
  assert.match(out, /^To: a@example.com Bcc: victim@example.com\r\n/m);
  assert.doesNotMatch(out, /^Bcc:/m);
  assert.throws(() => applyHeaderRewrites(RAW, { set: { 'X-Bad\r\nBcc': 'v' }, remove: [] }), /invalid header name/);
});

test('no rewrites returns the very same buffer', () => {
  assert.equal(applyHeaderRewrites(RAW, { set: {}, remove: [] }), RAW);
  assert.equal(applyHeaderRewrites(RAW, undefined), RAW);
});

const sections: Array<{ name: string; raw: string; body: string }> = [
  { name: 'blank line, CRLF', raw: 'A: b\r\n\r\nbody', body: 'body' },
  { name: 'blank line, bare LF', raw: 'A: b\n\nbody', body: 'body' },
  { name: 'no blank line, all fields', raw: 'A: b\r\nC: d\r\n', body: '' },
  { name: 'no blank line, last field unterminated', raw: 'A: b\r\nC: d', body: '' },
  { name: 'a line that is not a field starts the body', raw: 'Subject: x\r\nthis is text\r\nTo: not a header\r\n', body: 'this is text\r\nTo: not a header\r\n' },
  { name: 'folded continuation stays in the header', raw: 'Subject: x\r\n  y\r\n\tz\r\n\r\nb', body: 'b' },
  { name: 'obsolete blanks before the colon are a field', raw: 'Subject : x\r\n\r\nb', body: 'b' },
  { name: 'a first line that is folded is body', raw: ' x: y\r\n\r\nb', body: ' x: y\r\n\r\nb' },
  { name: 'a name with a control byte is not a field', raw: 'Sub\x01ject: x\r\n\r\nb', body: 'Sub\x01ject: x\r\n\r\nb' },
  { name: 'an mbox From_ line is body', raw: 'From ceo Mon Jan 1\r\nSubject: x\r\n\r\nb', body: 'From ceo Mon Jan 1\r\nSubject: x\r\n\r\nb' },
  { name: 'empty message', raw: '', body: '' },
];

for (const { name, raw, body } of sections) {
  test(`header section: ${name}`, () => {
    const buffer = Buffer.from(raw, 'latin1');
    assert.equal(buffer.subarray(bodyOffset(buffer)).toString('latin1'), body);
  });
}

test('regression: a 9 MiB message without a blank line was all "header" — its header section ends at the first non-field line', () => {
  const raw = Buffer.concat([Buffer.from('Subject: big\r\n'), Buffer.alloc(9 * 1024 * 1024, 0x01)]);
  assert.equal(headerSection(raw), 'Subject: big\r\n');
});

test('rewriting a message whose header section ends without a blank line adds one, so the upstream reads the same body', () => {
  const raw = Buffer.from('Subject: x\r\nTo: a@example.com\r\nplain text\r\n', 'latin1');
  const out = applyHeaderRewrites(raw, { set: { To: 'team@example.com' }, remove: [] }).toString('latin1');
  assert.equal(out, 'Subject: x\r\nTo: team@example.com\r\n\r\nplain text\r\n');
});
