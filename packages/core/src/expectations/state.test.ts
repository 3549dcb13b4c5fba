import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assess, decide, type AlertRecord, type ExpectationTiming, type InstanceSeen, type NoticeKind } from './state.js';

const S = 1000;
const timing: ExpectationTiming = { every: 10 * S, grace: 5 * S, nag: 0 };
const nagging: ExpectationTiming = { ...timing, nag: 20 * S };

test('assess: ok until every, late until every + grace, then missing; the last ping a failure is failing', () => {
  const seen: InstanceSeen = { lastSuccess: 0 };
  assert.equal(assess(10 * S, seen, timing), 'ok');
  assert.equal(assess(10 * S + 1, seen, timing), 'late');
  assert.equal(assess(15 * S, seen, timing), 'late');
  assert.equal(assess(15 * S + 1, seen, timing), 'missing');
  assert.equal(assess(1, { lastSuccess: 0, lastFailure: 1 }, timing), 'failing');
  assert.equal(assess(99 * S, { lastSuccess: 0, lastFailure: 1 }, timing), 'failing', 'a failure stays failing, however quiet it is after');
  assert.equal(assess(3, { lastSuccess: 2, lastFailure: 1 }, timing), 'ok', 'a success after the failure ends it');
  assert.equal(assess(99 * S, {}, timing, { state: 'ok', outage: 0, index: 0, watching: 90 * S }), 'ok', 'never seen: counted from when the checker started watching');
  assert.equal(assess(99 * S, {}, timing, { state: 'ok', outage: 0, index: 0, watching: 80 * S }), 'missing');
  assert.equal(
    assess(99 * S, { lastSuccess: 0 }, timing, { state: 'ok', outage: 0, index: 0, watching: 98 * S }),
    'missing',
    'regression: a checker meeting an old ping for the first time restarted its clock from now',
  );
});

interface Step {
  at: number;
  seen: InstanceSeen;
  notice?: NoticeKind;
  /** Expected (outage, index) of the notice. */
  slot?: [number, number];
  state: AlertRecord['state'];
}

// One instance through a life: each step is one checker pass with the record the last one left.
const LIVES: Array<{ name: string; timing: ExpectationTiming; steps: Step[] }> = [
  {
    name: 'ok → missing (root) → back to normal (reply) → missing again (a new thread)',
    timing,
    steps: [
      { at: 5 * S, seen: { lastSuccess: 0 }, state: 'ok' },
      { at: 12 * S, seen: { lastSuccess: 0 }, state: 'ok' },
      { at: 16 * S, seen: { lastSuccess: 0 }, notice: 'missing', slot: [1, 0], state: 'missing' },
      { at: 40 * S, seen: { lastSuccess: 0 }, state: 'missing' },
      { at: 41 * S, seen: { lastSuccess: 41 * S }, notice: 'recovered', slot: [1, 1], state: 'ok' },
      { at: 57 * S, seen: { lastSuccess: 41 * S }, notice: 'missing', slot: [2, 0], state: 'missing' },
    ],
  },
  {
    name: 'missing with nag: a reminder every nag period, then back to normal after them',
    timing: nagging,
    steps: [
      { at: 16 * S, seen: { lastSuccess: 0 }, notice: 'missing', slot: [1, 0], state: 'missing' },
      { at: 35 * S, seen: { lastSuccess: 0 }, state: 'missing' },
      { at: 36 * S, seen: { lastSuccess: 0 }, notice: 'reminder', slot: [1, 1], state: 'missing' },
      { at: 50 * S, seen: { lastSuccess: 0 }, state: 'missing' },
      { at: 56 * S, seen: { lastSuccess: 0 }, notice: 'reminder', slot: [1, 2], state: 'missing' },
      { at: 60 * S, seen: { lastSuccess: 59 * S }, notice: 'recovered', slot: [1, 3], state: 'ok' },
    ],
  },
  {
    name: 'a failure ping alerts like a miss; a success ends it',
    timing,
    steps: [
      { at: 2 * S, seen: { lastSuccess: 0, lastFailure: 2 * S }, notice: 'failing', slot: [1, 0], state: 'failing' },
      { at: 30 * S, seen: { lastSuccess: 0, lastFailure: 2 * S }, state: 'failing' },
      { at: 31 * S, seen: { lastSuccess: 31 * S, lastFailure: 2 * S }, notice: 'recovered', slot: [1, 1], state: 'ok' },
    ],
  },
  {
    name: 'missing, then a failure ping: told in the same thread as failing',
    timing,
    steps: [
      { at: 16 * S, seen: { lastSuccess: 0 }, notice: 'missing', slot: [1, 0], state: 'missing' },
      { at: 17 * S, seen: { lastSuccess: 0, lastFailure: 17 * S }, notice: 'failing', slot: [1, 1], state: 'failing' },
      { at: 18 * S, seen: { lastSuccess: 18 * S, lastFailure: 17 * S }, notice: 'recovered', slot: [1, 2], state: 'ok' },
    ],
  },
  {
    name: 'late is not missing: no mail while inside the grace',
    timing,
    steps: [
      { at: 14 * S, seen: { lastSuccess: 0 }, state: 'ok' },
      { at: 15 * S, seen: { lastSuccess: 14 * S }, state: 'ok' },
    ],
  },
];

for (const life of LIVES) {
  test(`decide: ${life.name}`, () => {
    let record: AlertRecord | undefined;
    for (const step of life.steps) {
      const result = decide(step.at, step.seen, life.timing, record);
      assert.equal(result.notice?.kind, step.notice, `at ${step.at / S} s`);
      if (step.slot) assert.deepEqual([result.notice?.outage, result.notice?.index], step.slot, `thread slot at ${step.at / S} s`);
      assert.equal(result.next.state, step.state, `state at ${step.at / S} s`);
      record = result.next;
    }
  });
}

test('decide: a pass that changes nothing returns the record it was given (no write)', () => {
  const record: AlertRecord = { state: 'missing', outage: 3, index: 2, since: 0 };
  assert.equal(decide(20 * S, { lastSuccess: 0 }, timing, record).next, record);
});
