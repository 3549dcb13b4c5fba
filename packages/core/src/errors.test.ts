import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES } from './errors.js';

test('docs/errors.md lists exactly the error codes defined in core', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const documented = [...doc.matchAll(/^\| ([A-Z][A-Z0-9_]+) \|/gm)].map((match) => match[1]).sort();
  assert.deepEqual(documented, Object.keys(ERROR_CODES).sort());
});
