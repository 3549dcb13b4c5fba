import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MailsortError } from '@mailsort/core';
import { storageFailure } from './storage-failure.js';

test('a Redis OOM refusal is answered 452 4.3.1, storage full', () => {
  const failure = storageFailure(new Error("OOM command not allowed when used memory > 'maxmemory'."));
  assert.deepEqual([failure.code, failure.reason, failure.errorCode], [452, 'redis_full', 'REDIS_FULL']);
  assert.match(failure.text, /^4\.3\.1 /);
});

test('any other storage error is answered 451 4.3.0', () => {
  for (const error of [new Error('connect ECONNREFUSED 127.0.0.1:6379'), new Error('Connection is closed.'), 'not an error']) {
    const failure = storageFailure(error);
    assert.deepEqual([failure.code, failure.reason, failure.errorCode], [451, 'redis_unavailable', 'REDIS_UNAVAILABLE']);
    assert.match(failure.text, /^4\.3\.0 /);
  }
});

test('a write Redis did not confirm in time is answered 451 4.3.0 with its own reason', () => {
  const failure = storageFailure(new MailsortError('STORE_TIMEOUT', 'late'));
  assert.deepEqual([failure.code, failure.reason, failure.errorCode], [451, 'store_timeout', 'STORE_TIMEOUT']);
  assert.match(failure.text, /^4\.3\.0 /);
});

test('a message too few replicas confirmed (redis.min_replicas_acked) is answered 451 4.3.0 with its own reason', () => {
  const failure = storageFailure(new MailsortError('REPLICA_ACK_TIMEOUT', '0 of 1'));
  assert.deepEqual([failure.code, failure.reason, failure.errorCode], [451, 'not_replicated', 'REPLICA_ACK_TIMEOUT']);
  assert.match(failure.text, /^4\.3\.0 /);
});
