import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnrecoverableError } from 'bullmq';
import { errorCodeOf } from '../errors.js';
import { parseJob } from './catalogue.js';
import { envelopeSchema, routeJobSchema } from './payloads.js';

test('an envelope address with CR, LF, NUL or angle brackets is refused (no RCPT smuggled through a job)', () => {
  assert.equal(envelopeSchema.safeParse({ from: 'ci@example.com', to: ['team@example.com'] }).success, true);
  assert.equal(envelopeSchema.safeParse({ from: '', to: ['team@example.com'] }).success, true, 'the null sender stays allowed');
  for (const bad of ['team@example.com>\r\nRCPT TO:<victim@evil.example', 'a@b\0', 'a\n@b', '<a@b>']) {
    assert.equal(envelopeSchema.safeParse({ from: 'ci@example.com', to: [bad] }).success, false, JSON.stringify(bad));
    assert.equal(envelopeSchema.safeParse({ from: bad, to: ['team@example.com'] }).success, false, JSON.stringify(bad));
  }
});

test('a job whose payload fails its schema is unrecoverable (BullMQ fails it at once) and carries JOB_INVALID', () => {
  const error = (() => {
    try {
      parseJob(routeJobSchema, { id: 'r-x', queueName: 'route', data: { v: 2 } });
    } catch (thrown) {
      return thrown;
    }
    return undefined;
  })();
  assert.ok(error instanceof UnrecoverableError);
  assert.equal(errorCodeOf(error), 'JOB_INVALID');
  assert.match((error as Error).message, /job r-x on route is not a valid payload/);
});
