import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeliveryState, IndexedMessage, TraceEvent } from '@mailsort/core';
import { messageStory, type DeliveryView } from './message-story.js';

const ENTRY: IndexedMessage = {
  id: 'M1',
  at: 1000,
  from: 'ci@example.com',
  to: ['team@example.com'],
  subject: 's',
  messageId: '',
  client: { address: '10.0.0.5', hostname: 'ci.example.com', tls: true, user: 'ci' },
};
const ROUTED: TraceEvent = {
  at: 1100,
  service: 'router',
  event: 'routed',
  action: 'deliver',
  manager: 'gocd',
  rules: ['breaks'],
  reason: 'rule breaks matched',
  destinations: [{ deliveryId: 'd-1', kind: 'smtp', upstream: 'default', envelope: { to: ['cat@example.com'] } }],
};
const record = (result: DeliveryState['result'], reply: string): DeliveryState => ({
  attempts: 2,
  firstAttemptAt: 1200,
  lastAttemptAt: 1300,
  lastUpstream: 'default',
  lastReply: reply,
  lastReason: result === 'failed' ? 'rejected' : undefined,
  result,
  recipients: { 'cat@example.com': { status: result === 'delivered' ? 'accepted' : 'rejected', reply, upstream: 'default', at: 1300 } },
});
const view = (state: string, result: DeliveryState['result'], reply: string): DeliveryView => ({ deliveryId: 'd-1', to: 'default: cat@example.com', state, record: record(result, reply) });

const CASES: Array<{ name: string; entry: IndexedMessage | undefined; trace: TraceEvent[]; deliveries: DeliveryView[]; outcome: string; titles: string[] }> = [
  { name: 'nothing recorded', entry: undefined, trace: [], deliveries: [], outcome: 'unknown', titles: [] },
  { name: 'accepted, not routed yet', entry: ENTRY, trace: [], deliveries: [], outcome: 'unknown', titles: ['accepted'] },
  {
    name: 'delivered',
    entry: ENTRY,
    trace: [ROUTED, { at: 1300, service: 'sender', event: 'delivered', deliveryId: 'd-1', upstream: 'default', reply: '250 ok' }],
    deliveries: [view('completed', 'delivered', '250 ok')],
    outcome: 'delivered',
    titles: ['accepted', 'routed', 'delivered', 'd-1: 2 attempts'],
  },
  {
    name: 'dead after a 550',
    entry: ENTRY,
    trace: [ROUTED, { at: 1300, service: 'sender', event: 'failed', deliveryId: 'd-1', upstream: 'default', reply: '550 no such user', result: 'failed' }],
    deliveries: [view('failed', 'failed', '550 no such user')],
    outcome: 'dead',
    titles: ['accepted', 'routed', 'failed', 'd-1: 2 attempts'],
  },
  {
    name: 'dropped by routing',
    entry: ENTRY,
    trace: [{ ...ROUTED, action: 'drop', destinations: [] }],
    deliveries: [],
    outcome: 'dropped',
    titles: ['accepted', 'dropped by routing'],
  },
  {
    name: 'replayed from the console, then delivered',
    entry: ENTRY,
    trace: [ROUTED, { at: 1400, service: 'console', command: 'console replay', user: 'alice', event: 'replayed', deliveries: ['d-1'] }, { ...ROUTED, at: 1500 }],
    deliveries: [view('completed', 'delivered', '250 ok')],
    outcome: 'delivered',
    titles: ['accepted', 'routed', 'd-1: 2 attempts', 'replayed', 'routed'],
  },
];

for (const { name, entry, trace, deliveries, outcome, titles } of CASES) {
  test(`messageStory: ${name}`, () => {
    const story = messageStory(entry, trace, deliveries);
    assert.equal(story.outcome, outcome);
    assert.deepEqual(
      story.steps.map((step) => step.title),
      titles,
    );
  });
}

test('messageStory: the accepted step names the client, TLS and the AUTH user; an operator step names who', () => {
  const story = messageStory(ENTRY, [{ at: 1400, service: 'console', command: 'console retry', user: 'alice', event: 'retried', deliveryId: 'd-1' }], []);
  assert.deepEqual(story.steps[0]!.details.slice(0, 3), [
    ['client', '10.0.0.5 (ci.example.com)'],
    ['TLS', 'yes'],
    ['AUTH', 'ci'],
  ]);
  assert.equal(story.steps[1]!.by, 'console (alice)');
});
