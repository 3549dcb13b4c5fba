import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeliverJob, RecipientOutcome } from '@mailsort/core';
import { decideAfterAttempt, type AfterAttempt, type AfterAttemptInput, type Attempt } from './delivery-decision.js';

const MINUTE = 60_000;
const policy = { schedule: [MINUTE, 5 * MINUTE], maxLifetimeMs: 60 * MINUTE };
const smtp: DeliverJob['destination'] = { kind: 'smtp', upstream: 'corp', envelope: { from: 'ci@x', to: ['a@x', 'b@x'] } };
const webhook: DeliverJob['destination'] = { kind: 'webhook', url: 'https://hooks.example/x', format: 'slack', style: 'brief' };
const outcome = (status: RecipientOutcome['status'], reply: string): RecipientOutcome => ({ status, reply, upstream: 'corp', at: 1 });
const ok = (reply = '250 ok'): Attempt => ({ upstream: 'corp', reply, verdict: undefined, recipients: { 'a@x': outcome('accepted', reply), 'b@x': outcome('accepted', reply) } });
const fresh = { attempts: 1, firstAttemptAt: 0, recipients: {} };

const cases: Array<{ name: string; input: Partial<AfterAttemptInput>; expected: AfterAttempt }> = [
  { name: 'every recipient accepted is delivered', input: { attempt: ok() }, expected: { kind: 'delivered' } },
  { name: 'a webhook without a verdict is delivered', input: { destination: webhook, attempt: { upstream: 'webhook', reply: '200', recipients: {} } }, expected: { kind: 'delivered' } },
  {
    name: 'a re-run whose record already has every recipient accepted is delivered without a send',
    input: { state: { ...fresh, recipients: ok().recipients }, attempt: { upstream: 'corp', reply: 'every recipient already has an outcome', recipients: {} } },
    expected: { kind: 'delivered' },
  },
  {
    name: 'one accepted and one refused for good is a partial dead letter with the refusal as its reply',
    input: { attempt: { upstream: 'corp', reply: '250 ok', recipients: { 'a@x': outcome('accepted', '250 ok'), 'b@x': outcome('rejected', '550 no such user') } } },
    expected: {
      kind: 'dead',
      result: 'partial',
      code: 'DELIVERY_PERMANENT',
      reply: '550 no such user',
      reason: 'partial',
      recipients: { 'a@x': outcome('accepted', '250 ok'), 'b@x': outcome('rejected', '550 no such user') },
    },
  },
  {
    name: 'a 5xx to the message fails the delivery at once',
    input: { attempt: { upstream: 'corp', reply: '554 spam', verdict: { action: 'fail', scope: 'message', reason: 'rejected' }, recipients: {} } },
    expected: { kind: 'dead', result: 'failed', code: 'DELIVERY_PERMANENT', reply: '554 spam', reason: 'rejected', recipients: {} },
  },
  {
    name: 'a missing stored message is a failed dead letter coded MESSAGE_MISSING',
    input: { attempt: { upstream: 'corp', reply: 'stored message M1 is missing', verdict: { action: 'fail', scope: 'message', reason: 'message_missing' }, recipients: {} } },
    expected: { kind: 'dead', result: 'failed', code: 'MESSAGE_MISSING', reply: 'stored message M1 is missing', reason: 'message_missing', recipients: {} },
  },
  {
    name: 'a connection failure is retried on the schedule',
    input: { now: 10, attempt: { upstream: 'corp', reply: 'ECONNECTION refused', verdict: { action: 'retry', scope: 'upstream', reason: 'connection' }, recipients: {} } },
    expected: { kind: 'retry', delayMs: MINUTE, reason: 'connection', code: 'DELIVERY_TEMPORARY' },
  },
  {
    name: 'the second retry waits the second delay',
    input: { state: { ...fresh, attempts: 2 }, now: 10, attempt: { upstream: 'corp', reply: '451 later', verdict: { action: 'retry', scope: 'message', reason: 'deferred' }, recipients: {} } },
    expected: { kind: 'retry', delayMs: 5 * MINUTE, reason: 'deferred', code: 'DELIVERY_TEMPORARY' },
  },
  {
    name: 'a recipient deferred with 4xx is retried, the accepted one kept',
    input: { now: 10, attempt: { upstream: 'corp', reply: '250 ok', recipients: { 'a@x': outcome('accepted', '250 ok'), 'b@x': outcome('deferred', '452 full') } } },
    expected: { kind: 'retry', delayMs: MINUTE, reason: 'deferred', code: 'DELIVERY_TEMPORARY' },
  },
  {
    name: 'an unknown upstream is retried as UPSTREAM_UNKNOWN',
    input: { now: 10, attempt: { upstream: 'gone', reply: 'no upstream named gone', verdict: { action: 'retry', scope: 'message', reason: 'upstream_unknown' }, recipients: {} } },
    expected: { kind: 'retry', delayMs: MINUTE, reason: 'upstream_unknown', code: 'UPSTREAM_UNKNOWN' },
  },
  {
    name: 'the last retry is pulled in to the lifetime edge',
    input: { state: { ...fresh, attempts: 5 }, now: 58 * MINUTE, attempt: { upstream: 'corp', reply: '451', verdict: { action: 'retry', scope: 'message', reason: 'deferred' }, recipients: {} } },
    expected: { kind: 'retry', delayMs: 2 * MINUTE, reason: 'deferred', code: 'DELIVERY_TEMPORARY' },
  },
  {
    name: 'a temporary failure past the lifetime is an expired dead letter with every recipient recorded',
    input: {
      state: { ...fresh, attempts: 9, recipients: { 'a@x': outcome('accepted', '250 ok') } },
      now: 61 * MINUTE,
      attempt: { upstream: 'corp', reply: '451 later', verdict: { action: 'retry', scope: 'message', reason: 'deferred' }, recipients: {} },
    },
    expected: { kind: 'dead', result: 'expired', code: 'DELIVERY_EXPIRED', reply: '451 later', reason: 'deferred', recipients: { 'a@x': outcome('accepted', '250 ok') } },
  },
  {
    name: 'a webhook 404 fails at once',
    input: { destination: webhook, attempt: { upstream: 'webhook', reply: '404', verdict: { action: 'fail', scope: 'message', reason: 'rejected' }, recipients: {} } },
    expected: { kind: 'dead', result: 'failed', code: 'DELIVERY_PERMANENT', reply: '404', reason: 'rejected', recipients: {} },
  },
];

for (const { name, input, expected } of cases) {
  test(`after an attempt: ${name}`, () => {
    assert.deepEqual(decideAfterAttempt({ state: fresh, destination: smtp, now: 1, policy, attempt: ok(), ...input }), expected);
  });
}
