import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMessageId, messageIdTime, newMessageId } from './ids.js';
import { jobId } from './queues/catalogue.js';

test('message ids sort by accept time and are valid BullMQ job ids', () => {
  const earlier = newMessageId(1_700_000_000_000);
  const later = newMessageId(1_700_000_000_001);
  assert.ok(earlier < later);
  assert.ok(isMessageId(earlier));
  assert.equal(messageIdTime(earlier), 1_700_000_000_000);
  assert.doesNotMatch(earlier, /^\d+$|:/);
  assert.equal(new Set(Array.from({ length: 1000 }, () => newMessageId(0))).size, 1000, 'random part makes them unique');
});

test('job ids never contain a colon and never are all digits', () => {
  assert.equal(jobId('deliver', 'M1', 0), 'd-M1-0');
  assert.equal(jobId('route', 'a:b'), 'r-a_b');
});

test('a message of shard s > 0 carries -s<s>; shard 0 keeps the id of a single Redis', () => {
  const sharded = newMessageId(1_700_000_000_000, 2);
  assert.match(sharded, /^M[0-9A-Z]{19}-s2$/);
  assert.ok(isMessageId(sharded));
  assert.equal(messageIdTime(sharded), 1_700_000_000_000);
  assert.match(newMessageId(1_700_000_000_000, 0), /^M[0-9A-Z]{19}$/);
  assert.equal(isMessageId(`${newMessageId()}-s0`), false);
  assert.equal(isMessageId(`${newMessageId()}-sx`), false);
});
