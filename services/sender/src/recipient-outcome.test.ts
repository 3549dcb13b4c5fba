import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecipientOutcome } from '@mailsort/core';
import { outcomeOf, remainingRecipients } from './recipient-outcome.js';

const o = (status: RecipientOutcome['status']): RecipientOutcome => ({ status, reply: '', upstream: 'u', at: 0 });
const to = ['a@x', 'b@x'];

const cases = [
  { name: 'every recipient accepted is delivered', recipients: { 'a@x': o('accepted'), 'b@x': o('accepted') }, expected: 'delivered' },
  { name: 'one accepted and one rejected is partial', recipients: { 'a@x': o('accepted'), 'b@x': o('rejected') }, expected: 'partial' },
  { name: 'every recipient rejected is failed', recipients: { 'a@x': o('rejected'), 'b@x': o('rejected') }, expected: 'failed' },
  { name: 'one still deferred keeps the delivery deferred', recipients: { 'a@x': o('accepted'), 'b@x': o('deferred') }, expected: 'deferred' },
  { name: 'a recipient never tried counts as deferred', recipients: { 'a@x': o('accepted') }, expected: 'deferred' },
] as const;

for (const { name, recipients, expected } of cases) {
  test(`recipient outcome: ${name}`, () => assert.equal(outcomeOf(recipients, to), expected));
}

test('a retry goes only to recipients neither accepted nor rejected', () => {
  assert.deepEqual(remainingRecipients({ 'a@x': o('accepted'), 'b@x': o('deferred'), 'c@x': o('rejected') }, ['a@x', 'b@x', 'c@x', 'd@x']), ['b@x', 'd@x']);
});

test('regression: a recipient recorded under another spelling of its mailbox is not sent again', () => {
  const recorded = { 'ops@example.com': o('accepted'), 'ops@xn--mnchen-3ya.example': o('accepted'), 'dev@example.com': o('deferred') };
  const envelope = ['Ops@Example.COM', 'ops@münchen.example', '"dev"@example.com'];
  assert.deepEqual(remainingRecipients(recorded, envelope), ['"dev"@example.com']);
  assert.equal(outcomeOf({ ...recorded, 'DEV@example.com': o('accepted') }, envelope), 'delivered', 'a final status wins over a deferral of the same mailbox');
});
