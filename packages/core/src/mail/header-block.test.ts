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
