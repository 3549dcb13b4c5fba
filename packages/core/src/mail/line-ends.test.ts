import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bodyOffset, normaliseHeaderBlock, mayContinueHeader } from './line-ends.js';
import { splitHeaderFields } from './header-block.js';
import { parseHeaderSection } from '../rules/headers.js';

// Each row: a message as a client sent it, the message as stored (headers CRLF, body as sent).
const TABLE: Array<[string, string, string]> = [
  ['CRLF throughout', 'A: 1\r\nB: 2\r\n\r\nbody\n', 'A: 1\r\nB: 2\r\n\r\nbody\n'],
  ['bare LF (cron, sendmail -t)', 'A: 1\nB: 2\n\nbody\nline\n', 'A: 1\r\nB: 2\r\n\r\nbody\nline\n'],
  ['bare CR hiding a From', 'Subject: x\rFrom: ceo@victim.example\r\n\r\nbody\r', 'Subject: x\r\nFrom: ceo@victim.example\r\n\r\nbody\r'],
  ['CR CR LF is a blank line', 'A: 1\r\r\nB: 2\r\n\r\n', 'A: 1\r\n\r\nB: 2\r\n\r\n'],
  ['mixed and folded', 'A: 1\r\n 2\n\t3\rB: 4\n\r\nbody\r\n', 'A: 1\r\n 2\r\n\t3\r\nB: 4\r\n\r\nbody\r\n'],
  ['no blank line', 'A: 1\nB: 2', 'A: 1\r\nB: 2\r\n'],
  ['no header at all', '\nbody\n', '\r\nbody\n'],
];

for (const [name, input, stored] of TABLE) {
  test(`normaliseHeaderBlock: ${name}`, () => {
    const out = normaliseHeaderBlock(Buffer.from(input, 'latin1'));
    assert.equal(out.toString('latin1'), stored);
    assert.equal(normaliseHeaderBlock(out), out, 'normalising twice changes nothing');
  });
}

test('every reader splits the raw header the way the normalised one is split', () => {
  for (const [, input] of TABLE) {
    const raw = Buffer.from(input, 'latin1');
    const normalised = normaliseHeaderBlock(raw);
    const rawSection = raw.subarray(0, bodyOffset(raw)).toString('latin1');
    const section = normalised.subarray(0, bodyOffset(normalised)).toString('latin1');
    assert.equal(splitHeaderFields(rawSection).length, splitHeaderFields(section).length, input);
    assert.deepEqual(parseHeaderSection(rawSection), parseHeaderSection(section), input);
  }
});

test('a bare CR in a Subject is two fields to the rules, as it is to the upstream', () => {
  const section = 'Subject: x\rFrom: ceo@victim.example\rTo: everyone@victim.example\r\n\r\n';
  assert.deepEqual(
    parseHeaderSection(section).map((field) => field.name),
    ['subject', 'from', 'to'],
  );
});

const CONTINUES: Array<[string, string, boolean]> = [
  ['nothing known yet', '', true],
  ['a folded continuation', ' more of the value', true],
  ['a tab continuation', '\tmore', true],
  ['a field name cut before its colon', 'X-Long-Na', true],
  ['a field name and its colon', 'X-Long: aaa', true],
  ['obsolete blanks before the colon', 'Subject  ', true],
  ['a blank inside the would-be name', 'plain text line', false],
  ['a control byte', '\x01\x01\x01', false],
  ['a line starting with a colon', ': not a name', false],
];

for (const [name, start, expected] of CONTINUES) {
  test(`a line known only by its start may continue the header block: ${name}`, () => {
    assert.equal(mayContinueHeader(Buffer.from(start, 'latin1')), expected);
  });
}
