import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnrecoverableError } from 'bullmq';
import { MailsortError, ROUTE_ATTEMPTS } from '@mailsort/core';
import { routeFailure, routeFailureCode } from './route-failure.js';

const CASES: Array<[string, unknown, string]> = [
  ['a mailsort error keeps its code', new MailsortError('MESSAGE_MISSING', 'gone'), 'MESSAGE_MISSING'],
  ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }), 'REDIS_UNAVAILABLE'],
  ['a closed connection', new Error('Connection is closed.'), 'REDIS_UNAVAILABLE'],
  ['ioredis giving up', Object.assign(new Error('Reached the max retries per request limit (which is 2).'), { name: 'MaxRetriesPerRequestError' }), 'REDIS_UNAVAILABLE'],
  ['Redis at maxmemory', new Error("OOM command not allowed when used memory > 'maxmemory'."), 'REDIS_FULL'],
  ['a Redis reply error', new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), 'ROUTE_FAILED'],
  ['a bug', new TypeError("Cannot read properties of undefined (reading 'x')"), 'ROUTE_FAILED'],
  ['not an Error', 'boom', 'ROUTE_FAILED'],
];

for (const [name, error, code] of CASES) {
  test(`regression: every routing failure was logged as REDIS_UNAVAILABLE — ${name} is ${code}`, () => {
    assert.equal(routeFailureCode(error), code);
  });
}

test('regression: a failing route job retried for ~12 days — the schedule ends at ROUTE_ATTEMPTS whatever the job asked for', () => {
  const error = new Error('WRONGTYPE x');
  assert.ok(!(routeFailure(error, 0, 20) instanceof UnrecoverableError));
  assert.ok(!(routeFailure(error, ROUTE_ATTEMPTS - 2, 20) instanceof UnrecoverableError));
  const last = routeFailure(error, ROUTE_ATTEMPTS - 1, 20);
  assert.ok(last instanceof UnrecoverableError);
  assert.match(last.message, /^ROUTE_FAILED: WRONGTYPE x$/);
  assert.ok(routeFailure(error, 1, 2) instanceof UnrecoverableError, 'a shorter schedule ends at its own last attempt');
  const totalBackoffSeconds = Array.from({ length: ROUTE_ATTEMPTS - 1 }, (_, i) => 2 ** i).reduce((a, b) => a + b, 0);
  assert.ok(totalBackoffSeconds < 3600, `the whole schedule takes ${totalBackoffSeconds} s`);
});
