import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headerBytes, safeHeaderValue } from './header-text.js';

// Characters whose low byte is a control: a single-byte charset that keeps only the low
// byte (latin1) turns each into CR, LF, NUL or TAB. None may survive as such.
const LOW_BYTE_TRAPS: Array<[string, string]> = [
  ['U+4E0D U+4E0A (low bytes CR LF)', '\u4e0d\u4e0a'],
  ['U+010D U+010A (low bytes CR LF)', '\u010d\u010a'],
  ['U+0100 (low byte NUL)', '\u0100'],
  ['U+0109 (low byte TAB)', '\u0109'],
  ['U+1F60D (astral, a surrogate pair whose halves end in 0x0D)', '\u{1f60d}'],
  ['U+D80D lone surrogate', '\ud80d'],
  ['U+0085 NEL (a C1 line end)', '\u0085'],
  ['U+2028 LINE SEPARATOR', '\u2028'],
];

for (const [name, trap] of LOW_BYTE_TRAPS) {
  test(`safeHeaderValue writes ${name} as printable ASCII that no byte conversion can split`, () => {
    const value = safeHeaderValue(`evil.example${trap}bcc: victim@example.com`);
    assert.match(value, /^[\x20-\x7e]*$/);
    for (const encoding of ['latin1', 'ascii', 'utf8'] as const) assert.doesNotMatch(Buffer.from(value, encoding).toString('latin1'), /[\r\n\0\t]/);
  });
}

const TABLE: Array<[string, string]> = [
  ['plain value', 'plain value'],
  ['a\r\nBcc: x@example.com', 'a Bcc: x@example.com'],
  ['a\rb\nc\0d\te\x7ff', 'a b c d e f'],
  ['  padded  ', 'padded'],
  ['Störung in build 5', '=?UTF-8?Q?St=C3=B6rung?= in build 5'],
];

for (const [input, expected] of TABLE) {
  test(`safeHeaderValue(${JSON.stringify(input)}) → ${JSON.stringify(expected)}`, () => assert.equal(safeHeaderValue(input), expected));
}

test('headerBytes takes printable ASCII lines ended by CRLF and refuses anything else', () => {
  assert.deepEqual(headerBytes('A: b\r\n\tc\r\n'), Buffer.from('A: b\r\n\tc\r\n'));
  for (const bad of ['A: \u4e0d\u4e0a\r\n', 'A: b\n', 'A: b\rC: d\r\n', 'A: b\0\r\n', 'A: b']) assert.throws(() => headerBytes(bad), TypeError, JSON.stringify(bad));
});
