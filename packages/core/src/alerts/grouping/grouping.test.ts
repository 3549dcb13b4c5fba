import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arrive, emptyGroup, MAX_ALERTS_PER_GROUP, OVERFLOW_KEY } from './arrive.js';
import { planFlush } from './flush.js';
import { groupIdentity } from './group-identity.js';
import type { AlertEvent } from '../types.js';
import type { Arrival, GroupingPolicy, GroupState, PlannedNotification } from './types.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

const POLICY: GroupingPolicy = {
  routeId: 'team',
  mode: 'group',
  groupBy: ['key'],
  groupWaitMs: 30 * S,
  groupIntervalMs: 5 * M,
  repeatMs: [4 * H],
  resolveHoldMs: 0,
  newThreadAfterMs: H,
  flapping: { changes: 6, settleAt: 2, windowMs: H },
  threading: true,
  followupSubject: 'Re: {first_subject}',
};

let counter = 0;
function mail(at: number, status: 'firing' | 'resolved', key = 'gocd-a', summary = `Stage [p/1/s/1] is ${status === 'firing' ? 'broken' : 'fixed'}`): Arrival {
  counter += 1;
  return { messageId: `m${counter}`, at, subject: summary, event: { key, source: 'gocd', status, severity: status === 'firing' ? 'error' : 'info', summary, labels: { pipeline: 'p' } } };
}

/** Feeds mails and flushes in time order, as the router would: a flush runs whenever one is due before the next step. */
function run(steps: Array<Arrival | { flushAt: number }>, policy = POLICY) {
  let state: GroupState = emptyGroup('g1', 'team', 'L1');
  const sent: PlannedNotification[] = [];
  const folded: string[] = [];
  const outcomes: string[] = [];
  const flushUntil = (time: number) => {
    while (state.dueAt !== null && state.dueAt <= time) {
      const { state: next, plan } = planFlush(state, state.dueAt, policy);
      sent.push(...plan.notifications);
      state = { ...next, pending: null };
    }
  };
  for (const step of steps) {
    if ('flushAt' in step) {
      flushUntil(step.flushAt);
      continue;
    }
    flushUntil(step.at - 1);
    const result = arrive(state, step, policy);
    state = result.state;
    outcomes.push(result.outcome);
    folded.push(...result.folds.map((fold) => `${fold.id}:${fold.reason}`));
  }
  return { state, sent, folded, outcomes };
}

test('20 BREAKS mails inside group_wait become one notification: the latest, counting all 20', () => {
  const mails = Array.from({ length: 20 }, (_, i) => mail(i * S, 'firing'));
  const { sent, folded } = run([...mails, { flushAt: 60 * S }]);
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.kind, 'single');
  assert.deepEqual(sent[0]!.members, [mails[19]!.messageId]);
  assert.equal(sent[0]!.alerts[0]!.count, 20);
  assert.equal(folded.length, 19);
  assert.ok(folded.every((entry) => entry.endsWith(':superseded')));
  assert.deepEqual(sent[0]!.thread, { epoch: 0, index: 0, startedAt: 30 * S, firstSubject: mails[0]!.subject });
});

test('the resolve is sent at once after the alert was notified, in the same thread', () => {
  const fixed = mail(2 * M, 'resolved');
  const { sent } = run([mail(0, 'firing'), { flushAt: M }, fixed, { flushAt: 2 * M }]);
  assert.equal(sent.length, 2);
  assert.deepEqual(sent[1]!.members, [fixed.messageId]);
  assert.equal(sent[1]!.alerts[0]!.status, 'resolved');
  assert.deepEqual(sent[1]!.thread, { epoch: 0, index: 1, startedAt: 30 * S, firstSubject: sent[0]!.subject });
});

test('resolve_hold: a resolve waits, and a re-fire inside the hold sends nothing new', () => {
  const policy = { ...POLICY, resolveHoldMs: 2 * M };
  const { sent, folded } = run([mail(0, 'firing'), { flushAt: M }, mail(2 * M, 'resolved'), mail(3 * M, 'firing'), { flushAt: 10 * M }], policy);
  assert.equal(sent.length, 1, 'only the first notification: the resolve was taken back before it was due');
  assert.deepEqual(
    folded.map((entry) => entry.split(':')[1]),
    ['superseded', 'duplicate'],
  );
});

test('a resolve is never lost when the alert re-fires inside group_interval (Alertmanager #2398)', () => {
  const { sent } = run([mail(0, 'firing'), { flushAt: M }, mail(2 * M, 'resolved'), { flushAt: 2 * M }, mail(2 * M + 10 * S, 'firing'), { flushAt: 30 * M }]);
  assert.deepEqual(
    sent.map((notification) => notification.alerts[0]!.status),
    ['firing', 'resolved', 'firing'],
  );
  assert.ok(sent[2]!.thread!.index === 2, 'the re-fire follows in the thread');
});

test('duplicates inside repeat_interval are folded and counted in the next notification', () => {
  const steps = [mail(0, 'firing'), { flushAt: M }, mail(10 * M, 'firing'), mail(20 * M, 'firing'), mail(4 * H + M, 'firing'), { flushAt: 5 * H }];
  const { sent, folded, outcomes } = run(steps);
  assert.deepEqual(outcomes, ['held', 'folded', 'folded', 'held']);
  assert.equal(folded.filter((entry) => entry.endsWith(':duplicate')).length, 2);
  assert.equal(sent.length, 2);
  assert.equal(sent[1]!.alerts[0]!.count, 3, 'the two folded mails and the repeat');
});

test('repeat_backoff: repeats slow down 1h, 1d, then stay at 1d', () => {
  const policy = { ...POLICY, repeatMs: [H, 24 * H] };
  const times = [0, 30 * M, 61 * M, 10 * H, 26 * H, 50 * H, 51 * H];
  const steps = times.flatMap((at) => [mail(at, 'firing'), { flushAt: at + M }]);
  const { outcomes } = run(steps, policy);
  assert.deepEqual(outcomes, ['held', 'folded', 'held', 'folded', 'held', 'held', 'folded']);
});

test('several alerts due at once become one summary with every original', () => {
  const a = mail(0, 'firing', 'k1', 'disk full on db1');
  const b = mail(S, 'firing', 'k2', 'disk full on db2');
  const c = mail(2 * S, 'resolved', 'k3', 'backup ok');
  const { sent } = run([a, b, c, { flushAt: M }], { ...POLICY, groupBy: ['source'] });
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.kind, 'summary');
  assert.equal(sent[0]!.subject, '[FIRING:2] team (1 resolved)');
  assert.deepEqual(sent[0]!.members, [a.messageId, b.messageId, c.messageId]);
});

test('a flapping alert gets one notice, then nothing until it settles, then its state', () => {
  const flips = Array.from({ length: 10 }, (_, i) => mail(i * S, i % 2 === 0 ? 'firing' : 'resolved', 'cron-x', 'Cron <root@db1> backup'));
  const { sent, state } = run([...flips, { flushAt: 30 * S }]);
  assert.deepEqual(
    sent.map((notification) => notification.kind),
    ['flapping'],
  );
  assert.equal(sent[0]!.flap!.changes, 7);
  assert.equal(state.alerts['cron-x']!.flapping, 'held');
  const later = run([...flips, { flushAt: 30 * S }, { flushAt: 3 * H }]);
  assert.deepEqual(
    later.sent.map((notification) => notification.kind),
    ['flapping', 'single'],
  );
  assert.deepEqual(later.sent[1]!.members, [flips[9]!.messageId], 'the state it settled in: the last mail');
});

test('after every alert resolved and a quiet new_thread_after, the next outage starts a new thread', () => {
  const { sent } = run([mail(0, 'firing'), { flushAt: M }, mail(2 * M, 'resolved'), { flushAt: 3 * M }, mail(3 * H, 'firing'), { flushAt: 4 * H }]);
  assert.deepEqual(
    sent.map((notification) => [notification.thread!.epoch, notification.thread!.index]),
    [
      [0, 0],
      [0, 1],
      [1, 0],
    ],
  );
});

test('threading only: every mail is sent, none folded, each in the thread', () => {
  const policy: GroupingPolicy = { ...POLICY, mode: 'thread', groupWaitMs: 0, groupIntervalMs: 0, repeatMs: [0], flapping: null };
  const { sent, folded } = run([mail(0, 'firing'), mail(1, 'firing'), mail(2, 'resolved'), { flushAt: 10 }], policy);
  assert.equal(sent.length, 3);
  assert.deepEqual(folded, []);
  assert.deepEqual(
    sent.map((notification) => notification.thread!.index),
    [0, 1, 2],
  );
});

test('a re-run of the same mail changes nothing', () => {
  const first = mail(0, 'firing');
  const once = arrive(emptyGroup('g', 'n', 'L'), first, POLICY);
  const again = arrive(once.state, first, POLICY);
  assert.equal(again.outcome, 'known');
  assert.equal(again.state, once.state);
});

test('a flush keeps its plan pending until carried out, and numbers its notifications by flush', () => {
  const held = arrive(emptyGroup('g9', 'n', 'L9'), mail(0, 'firing'), POLICY).state;
  const { state, plan } = planFlush(held, 30 * S, POLICY);
  assert.equal(plan.seq, 0);
  assert.equal(state.seq, 1);
  assert.deepEqual(state.pending, plan);
  assert.equal(plan.notifications[0]!.id, 'g9-L9-0-0');
  assert.equal(state.dueAt, null);
});

test('regression: a route job re-run while its mail is held (its id long out of the recent list) folds nothing and holds nothing twice', () => {
  const held = mail(0, 'firing');
  let state = arrive(emptyGroup('g', 'n', 'L'), held, POLICY).state;
  state = { ...state, recent: [] };
  const again = arrive(state, held, POLICY);
  assert.equal(again.outcome, 'known');
  assert.deepEqual(again.folds, []);
});

test('a re-run carries out the folds its first run decided (the router may have died before folding)', () => {
  const first = mail(0, 'firing');
  const second = mail(S, 'firing');
  const once = arrive(arrive(emptyGroup('g', 'n', 'L'), first, POLICY).state, second, POLICY);
  assert.deepEqual(once.folds, [{ id: first.messageId, reason: 'superseded' }]);
  assert.deepEqual(arrive(once.state, second, POLICY).folds, once.folds);
});

test("regression: a mail older than its alert's latest (a retried route job) is counted and changes nothing, so a resolve is not taken back", () => {
  const steps = [mail(0, 'firing'), { flushAt: M }, mail(3 * M, 'resolved')];
  const { state } = run(steps);
  const late = arrive(state, mail(2 * M, 'firing'), POLICY);
  assert.equal(late.outcome, 'folded');
  assert.equal(late.state.alerts['gocd-a']!.status, 'resolved');
  assert.equal(late.state.alerts['gocd-a']!.held[0]!.status, 'resolved');
});

test('regression: an alert that re-fires after its resolve was sent and resolves again before the flush is told, as a resolve counting both', () => {
  const { sent } = run([mail(0, 'firing'), { flushAt: M }, mail(2 * M, 'resolved'), { flushAt: 2 * M }, mail(3 * M, 'firing'), mail(4 * M, 'resolved'), { flushAt: 20 * M }]);
  assert.deepEqual(
    sent.map((notification) => [notification.alerts[0]!.status, notification.alerts[0]!.count]),
    [
      ['firing', 1],
      ['resolved', 1],
      ['resolved', 2],
    ],
  );
});

test('regression: with flapping off, state changes are not remembered (the state does not grow)', () => {
  const flips = Array.from({ length: 50 }, (_, i) => mail(i * S, i % 2 === 0 ? 'firing' : 'resolved'));
  const { state } = run(flips, { ...POLICY, flapping: null });
  assert.deepEqual(state.alerts['gocd-a']!.changes, []);
});

test('a group keeps at most MAX_ALERTS_PER_GROUP alerts: mails of further alerts share one entry', () => {
  let state = emptyGroup('g', 'n', 'L');
  for (let i = 0; i < MAX_ALERTS_PER_GROUP + 20; i++) state = arrive(state, mail(i, 'firing', `k${i}`), { ...POLICY, groupBy: [] }).state;
  assert.equal(Object.keys(state.alerts).length, MAX_ALERTS_PER_GROUP + 1);
  assert.equal(state.alerts[OVERFLOW_KEY]!.count, 20);
  assert.match(state.alerts[OVERFLOW_KEY]!.summary, /^more alerts than one group keeps/);
});

test('regression: a group made again after its state expired never reuses a notification id', () => {
  const ids = ['life-1', 'life-2'].map((life) => planFlush(arrive(emptyGroup('g', 'n', life), mail(0, 'firing'), POLICY).state, M, POLICY).plan.notifications[0]!.id);
  assert.notEqual(ids[0], ids[1]);
});

test('regression: flapping is counted in acceptance order, so two routers seeing the mails out of order still find it', () => {
  const flips = Array.from({ length: 10 }, (_, i) => mail(i * S, i % 2 === 0 ? 'firing' : 'resolved', 'cron-y'));
  const shuffled = [1, 0, 3, 2, 5, 4, 7, 6, 9, 8].map((i) => flips[i]!);
  let state = emptyGroup('g', 'n', 'L');
  for (const arrival of shuffled) state = arrive(state, arrival, POLICY).state;
  assert.equal(state.alerts['cron-y']!.changes.length, 9);
  assert.notEqual(state.alerts['cron-y']!.flapping, null);
});

test('regression: a group is one whatever the spelling or order of its recipients, and whoever sent the mail', () => {
  const event: AlertEvent = { source: 'gocd', parser: 'gocd@1', key: 'gocd-a', status: 'firing', severity: 'error', summary: 's', labels: {}, why: [] };
  const to = (from: string, recipients: string[]) => [{ kind: 'smtp' as const, upstream: 'default', envelope: { from, to: recipients } }];
  const ids = [to('gocd1@ci', ['team@example.com', 'lead@example.com']), to('GOCD2@ci', ['Lead@Example.com', 'TEAM@example.com'])].map((destinations) => groupIdentity(POLICY, event, destinations).id);
  assert.equal(ids[0], ids[1]);
});
