import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createShardPicker } from './shard-picker.js';

test('the shard picker goes round the shards from its start', () => {
  const table: Array<{ shards: number; start: number; expected: number[] }> = [
    { shards: 1, start: 0, expected: [0, 0, 0] },
    { shards: 3, start: 0, expected: [0, 1, 2, 0] },
    { shards: 3, start: 2, expected: [2, 0, 1, 2] },
    { shards: 2, start: 5, expected: [1, 0, 1] },
  ];
  for (const { shards, start, expected } of table) {
    const next = createShardPicker(shards, start);
    assert.deepEqual(
      expected.map(() => next()),
      expected,
      `${shards} shards from ${start}`,
    );
  }
});
