import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mailboxKey, parseMailbox, uniqueMailboxes } from './mailbox.js';

// Each row: what a client wrote in MAIL FROM / RCPT TO, and the one spelling mailsort keeps
// (null: refused as not one RFC 5321 Mailbox).
const TABLE: Array<[string, string | null]> = [
  ['ops\u202egro.live@example.com', null],
  ['ops\u200f@example.com', null],
  ['o\u200bps@example.com', null],
  ['ops@exa\u2028mple.com', null],
  ['"ops\u2066"@example.com', null],
  ['\ufeffops@example.com', null],
  ['ops@example.com', 'ops@example.com'],
  ['Ops@Example.COM', 'Ops@example.com'],
  ['first.last+tag@ci.example.com', 'first.last+tag@ci.example.com'],
  ['ops@xn--mnchen-3ya.example', 'ops@xn--mnchen-3ya.example'],
  ['ops@münchen.example', 'ops@xn--mnchen-3ya.example'],
  ['ops@MÜNCHEN.example', 'ops@xn--mnchen-3ya.example'],
  ['"ops"@example.com', 'ops@example.com'],
  ['"first.last"@example.com', 'first.last@example.com'],
  ['"vic\\"tim"@example.com', '"vic\\"tim"@example.com'],
  ['"a\\b"@example.com', 'ab@example.com'],
  ['"a b"@example.com', '"a b"@example.com'],
  ['"a,b"@example.com', '"a,b"@example.com'],
  ['user@[127.0.0.1]', 'user@[127.0.0.1]'],
  ['user@[IPv6:0:0:0:0:0:0:0:1]', 'user@[IPv6:::1]'],
  ['user@[ipv6:::1]', 'user@[IPv6:::1]'],
  ['jürgen@example.com', 'jürgen@example.com'],
  ['ceo,x@ci.example.com', null],
  ['a,b@x.example', null],
  ['ceo(comment)@example.com', null],
  ['(comment)ceo@example.com', null],
  ['CEO <ceo@example.com>', null],
  ['ceo @example.com', null],
  ['ceo@exam ple.com', null],
  ['.ceo@example.com', null],
  ['ceo.@example.com', null],
  ['c..eo@example.com', null],
  ['"victim@elsewhere.example"@example.com', null],
  ['victim@elsewhere.example@example.com', null],
  ['"unterminated@example.com', null],
  ['"a"b"@example.com', null],
  ['ceo@', null],
  ['@example.com', null],
  ['ceo', null],
  ['ceo@-bad.example', null],
  ['ceo@bad..example', null],
  ['ceo@[300.0.0.1]', null],
  ['ceo@[tcp:foo]', null],
  ['ceo@example.com\r\nRCPT TO:<x@y>', null],
  [`${'a'.repeat(250)}@example.com`, null],
];

for (const [input, expected] of TABLE) {
  test(`parseMailbox(${JSON.stringify(input)}) → ${expected === null ? 'refused' : JSON.stringify(expected)}`, () => {
    const parsed = parseMailbox(input);
    if (expected === null) assert.equal(parsed.ok, false, JSON.stringify(parsed));
    else assert.deepEqual(parsed, { ok: true, address: expected });
  });
}

test('the canonical form is a fixed point: parsing it again gives it back', () => {
  for (const [, expected] of TABLE) if (expected !== null) assert.deepEqual(parseMailbox(expected), { ok: true, address: expected });
});

test('mailboxKey makes every spelling of one mailbox the same key', () => {
  const spellings = ['Ops@Example.COM', 'ops@example.com', '"ops"@EXAMPLE.com', 'OPS@example.com'];
  assert.equal(new Set(spellings.map(mailboxKey)).size, 1);
  assert.equal(mailboxKey('ops@münchen.example'), mailboxKey('OPS@xn--mnchen-3ya.example'));
  assert.notEqual(mailboxKey('a@example.com'), mailboxKey('b@example.com'));
  assert.equal(mailboxKey('not an address'), 'not an address', 'what does not parse is compared as written, case-folded');
});

test('uniqueMailboxes keeps the first spelling of each mailbox, in order', () => {
  assert.deepEqual(uniqueMailboxes(['Ops@Example.COM', 'dev@example.com', 'ops@example.com']), ['Ops@Example.COM', 'dev@example.com']);
});

test('regression: mailboxKey folded look-alikes with toLowerCase (KELVIN SIGN U+212A → k) — only ASCII letters fold', () => {
  assert.notEqual(mailboxKey('\u212Aeys@example.com'), mailboxKey('keys@example.com'));
  assert.notEqual(mailboxKey('\u0130nfo@example.com'), mailboxKey('info@example.com'));
  assert.equal(mailboxKey('KEYS@Example.com'), mailboxKey('keys@example.com'));
});
