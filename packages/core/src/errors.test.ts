import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES, failureCode, MailsortError } from './errors.js';

test('docs/errors.md lists exactly the error codes defined in core', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const documented = [...doc.matchAll(/^\| ([A-Z][A-Z0-9_]+) \|/gm)].map((match) => match[1]).sort();
  assert.deepEqual(documented, Object.keys(ERROR_CODES).sort());
});

const redisDown = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
const oom = Object.assign(new Error('OOM command not allowed'), { name: 'ReplyError' });
const wrongType = Object.assign(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), { name: 'ReplyError' });
const FAILURES: Array<[string, unknown, string]> = [
  ['a mailsort error keeps its own code', new MailsortError('JOB_INVALID', 'bad'), 'JOB_INVALID'],
  ['a refused Redis connection is REDIS_UNAVAILABLE', redisDown, 'REDIS_UNAVAILABLE'],
  ['Redis at maxmemory is REDIS_FULL', oom, 'REDIS_FULL'],
  ['a reply error from a reachable Redis is the fallback', wrongType, 'ROUTE_FAILED'],
  ['ioredis giving up on a command is REDIS_UNAVAILABLE', Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' }), 'REDIS_UNAVAILABLE'],
  ['a closed ioredis connection is REDIS_UNAVAILABLE', new Error('Connection is closed.'), 'REDIS_UNAVAILABLE'],
  ['a TypeError from a parser is the fallback', new TypeError("Cannot read properties of undefined (reading 'x')"), 'ROUTE_FAILED'],
  ['a thrown string is the fallback', 'boom', 'ROUTE_FAILED'],
];

for (const [name, error, expected] of FAILURES) {
  test(`regression: failures were all logged as REDIS_UNAVAILABLE — ${name}`, () => {
    assert.equal(failureCode(error, 'ROUTE_FAILED'), expected);
  });
}
