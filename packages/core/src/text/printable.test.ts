import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printable, printableJson } from './printable.js';

const CASES: Array<[string, string, string]> = [
  ['plain text is unchanged', 'Stage [p/1/s/1] failed — ça va', 'Stage [p/1/s/1] failed — ça va'],
  ['ESC and BEL (clear screen, ring)', 'a\x1b[2J\x07b', 'a\\x1b[2J\\x07b'],
  ['tab, CR and LF', 'a\tb\r\nc', 'a\\tb\\r\\nc'],
  ['NUL and DEL', '\x00\x7f', '\\x00\\x7f'],
  ['C1 controls (CSI as one byte)', '\x9b2J\x85', '\\x9b2J\\x85'],
  ['bidi overrides and isolates', 'x\u202ey\u202a\u2066\u2069', 'x\\u202ey\\u202a\\u2066\\u2069'],
  ['bidi marks (LRM, RLM, ALM) and the line and paragraph separators', '\u200e\u200f\u061c\u2028\u2029', '\\u200e\\u200f\\u061c\\u2028\\u2029'],
  ['neighbours of the ranges are kept', '\u2027\u202f\u2065\u206a\u200d', '\u2027\u202f\u2065\u206a\u200d'],
];

for (const [name, input, expected] of CASES) {
  test(`regression: control characters reached the terminal raw — ${name}`, () => {
    assert.equal(printable(input), expected);
  });
}

test('regression: queue show printed a bidi override raw (JSON.stringify escapes only C0) — printableJson writes C1, bidi and separators as \\uXXXX, the same JSON value', () => {
  const value = { to: ['ops\u202egro.live@example.com'], reply: '550 \x9b2J', note: 'a\u2028b\u200fc', plain: 'ça va' };
  const text = printableJson(value, 2);
  assert.doesNotMatch(text, /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/);
  assert.match(text, /ops\\u202egro/);
  assert.deepEqual(JSON.parse(text), value);
});
