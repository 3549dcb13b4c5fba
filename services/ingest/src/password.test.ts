import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dummyCost } from './password.js';

const hash = (cost: number) => `$2b$${String(cost).padStart(2, '0')}$${'a'.repeat(53)}`;

const cases: Array<{ name: string; costs: number[]; cost: number; mixed: number[] | undefined }> = [
  { name: 'no users: the hash-password default', costs: [], cost: 10, mixed: undefined },
  { name: 'one cost', costs: [4, 4], cost: 4, mixed: undefined },
  { name: 'a single high cost', costs: [12], cost: 12, mixed: undefined },
  { name: 'the most common of several', costs: [4, 12, 12, 10], cost: 12, mixed: [4, 10, 12] },
  { name: 'the most common even when lower', costs: [4, 4, 4, 12], cost: 4, mixed: [4, 12] },
  { name: 'the highest on a tie', costs: [10, 4, 4, 10], cost: 10, mixed: [4, 10] },
];

for (const { name, costs, cost, mixed } of cases) {
  test(`dummy hash cost: ${name} → ${cost}`, () => {
    assert.deepEqual(dummyCost(costs.map(hash)), { cost, mixed });
  });
}
