import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEventFilter, matchEventFilter } from './filter.js';
import type { AlertEvent, AlertEventFilter } from './types.js';

const EVENT: AlertEvent = {
  source: 'gocd',
  parser: 'gocd@1',
  key: 'gocd-0',
  status: 'firing',
  severity: 'error',
  summary: 's',
  labels: { pipeline: 'pay-api', team: 'Payments' },
  why: [],
};

test('an event filter: every key given must match, a list is any of', async (t) => {
  const cases: Array<[string, AlertEventFilter, boolean, string?]> = [
    ['an empty filter matches', {}, true],
    ['status', { status: 'firing' }, true],
    ['status, no match', { status: 'resolved' }, false, 'event status firing is not resolved'],
    ['severity list', { severity: ['critical', 'error'] }, true],
    ['severity list, no match', { severity: ['critical', 'warning'] }, false, 'event severity error is not critical or warning'],
    ['source', { source: ['jenkins', 'gocd'] }, true],
    ['source, no match', { source: 'alertmanager' }, false],
    ['label, case-insensitive value', { labels: { team: 'payments' } }, true],
    ['label list', { labels: { pipeline: ['web', 'pay-api'] } }, true],
    ['a missing label is no match', { labels: { env: 'prod' } }, false, 'the event has no label env'],
    ['all keys together', { status: 'firing', severity: ['critical', 'error'], source: 'gocd', labels: { team: 'payments' } }, true],
    ['one key of several fails', { status: 'firing', severity: 'critical', source: 'gocd' }, false],
  ];
  for (const [name, filter, matched, note] of cases) {
    await t.test(name, () => {
      const outcome = matchEventFilter(filter, EVENT);
      assert.equal(outcome.matched, matched);
      if (note) assert.equal(outcome.note, note);
    });
  }
});

test('an event filter is described in one line', () => {
  assert.equal(describeEventFilter({ status: 'firing', severity: ['critical', 'error'], labels: { team: 'payments' } }), 'status=firing severity=critical|error labels.team=payments');
});
