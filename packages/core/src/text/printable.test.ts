import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printable } from './printable.js';

const CASES: Array<[string, string, string]> = [
  ['plain text is unchanged', 'Stage [p/1/s/1] failed — ça va', 'Stage [p/1/s/1] failed — ça va'],
  ['ESC and BEL (clear screen, ring)', 'a\x1b[2J\x07b', 'a\\x1b[2J\\x07b'],
  ['tab, CR and LF', 'a\tb\r\nc', 'a\\tb\\r\\nc'],
  ['NUL and DEL', '\x00\x7f', '\\x00\\x7f'],
  ['C1 controls (CSI as one byte)', '\x9b2J\x85', '\\x9b2J\\x85'],
  ['bidi overrides and isolates', 'x\u202ey\u202a\u2066\u2069', 'x\\u202ey\\u202a\\u2066\\u2069'],
  ['neighbours of the bidi ranges are kept', '\u2029\u202f\u2065\u206a', '\u2029\u202f\u2065\u206a'],
];

for (const [name, input, expected] of CASES) {
  test(`regression: control characters reached the terminal raw — ${name}`, () => {
    assert.equal(printable(input), expected);
  });
}
