import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyHttpStatus } from './webhook-delivery.js';

const cases = [
  { status: 200, expected: undefined },
  { status: 204, expected: undefined },
  { status: 500, expected: 'retry' },
  { status: 503, expected: 'retry' },
  { status: 429, expected: 'retry' },
  { status: 408, expected: 'retry' },
  { status: 400, expected: 'fail' },
  { status: 404, expected: 'fail' },
  { status: 410, expected: 'fail' },
] as const;

for (const { status, expected } of cases) {
  test(`webhook HTTP ${status} → ${expected ?? 'delivered'}`, () => assert.equal(classifyHttpStatus(status)?.action, expected));
}
