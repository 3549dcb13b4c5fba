import type { AlertState, Arrival, ArrivalResult, Fold, GroupingPolicy, GroupState } from './types.js';

const RECENT_IDS = 64;

export function emptyGroup(id: string, name: string): GroupState {
  return { v: 1, id, name, seq: 0, dueAt: null, lastFlushAt: null, thread: { epoch: 0, sent: 0, startedAt: null, firstSubject: null, quietSince: null }, alerts: {}, recent: [], pending: null };
}

/** The delay before the next repeat of a state already notified `repeat` times after its first. */
export function repeatDelay(policy: GroupingPolicy, repeat: number): number {
  return policy.repeatMs[Math.min(repeat, policy.repeatMs.length - 1)]!;
}

/** When a flush asked for now is due: group_wait for a new group, else one group_interval after the last flush. */
function normalDue(state: GroupState, policy: GroupingPolicy, now: number): number {
  if (state.lastFlushAt === null) return now + policy.groupWaitMs;
  return Math.max(now, state.lastFlushAt + policy.groupIntervalMs);
}

function scheduleAt(state: GroupState, at: number): void {
  state.dueAt = state.dueAt === null ? at : Math.min(state.dueAt, at);
}

/** A thread that went quiet long enough ends: the next outage starts a new one, with a new root. */
function maybeNewThread(state: GroupState, policy: GroupingPolicy, now: number): void {
  const { thread } = state;
  if (thread.quietSince === null || now - thread.quietSince < policy.newThreadAfterMs) return;
  state.thread = { epoch: thread.epoch + 1, sent: 0, startedAt: null, firstSubject: null, quietSince: null };
  for (const [key, alert] of Object.entries(state.alerts)) {
    if (alert.held.length === 0) delete state.alerts[key];
  }
}

function newAlert(arrival: Arrival): AlertState {
  const { event, at } = arrival;
  return { ...event, firstSeen: at, lastSeen: at, count: 0, held: [], notified: null, changes: [], flapping: null };
}

/**
 * Pure: what one alert mail does to its group. The state is a copy; the caller stores it
 * (compare-and-set) and then carries out the folds.
 */
export function arrive(current: GroupState, arrival: Arrival, policy: GroupingPolicy): ArrivalResult {
  if (current.recent.includes(arrival.messageId)) return { state: current, outcome: 'known', folds: [], reason: 'seen before (a re-run); nothing changed' };
  const state: GroupState = structuredClone(current);
  state.recent = [...state.recent, arrival.messageId].slice(-RECENT_IDS);
  maybeNewThread(state, policy, arrival.at);
  const { event, at } = arrival;
  const alert = state.alerts[event.key] ?? newAlert(arrival);
  state.alerts[event.key] = alert;
  if (alert.status !== event.status) alert.changes.push(at);
  Object.assign(alert, { status: event.status, severity: event.severity, summary: event.summary, labels: event.labels, lastSeen: at, count: alert.count + 1 });
  if (event.status === 'firing') state.thread.quietSince = null;
  const mail = { id: arrival.messageId, status: event.status, subject: arrival.subject, at };

  if (policy.mode === 'thread') {
    alert.held.push(mail);
    scheduleAt(state, at);
    return { state, outcome: 'held', folds: [], reason: 'threading: sent at once in the alert thread' };
  }

  const flap = policy.flapping;
  if (flap) {
    alert.changes = alert.changes.filter((time) => time > at - flap.windowMs);
    if (alert.flapping === null && alert.changes.length > flap.changes) {
      alert.flapping = 'noticeDue';
      scheduleAt(state, at);
    }
  }
  if (alert.flapping !== null) {
    return { state, outcome: 'held', folds: supersede(alert, mail, 'flapping'), reason: `flapping (${alert.changes.length} state changes in the window): held until it settles` };
  }

  const last = alert.notified;
  if (last === null || last.status !== event.status) {
    const folds = supersede(alert, mail, 'superseded');
    if (event.status === 'resolved' && last !== null) scheduleAt(state, at + policy.resolveHoldMs);
    else scheduleAt(state, normalDue(state, policy, at));
    const what = last === null ? 'new alert' : `now ${event.status} (was ${last.status})`;
    return { state, outcome: 'held', folds, reason: `${what}: held for the group's next notification` };
  }
  const delay = repeatDelay(policy, last.repeat);
  if (event.status === 'firing' && at - last.at >= delay) {
    const folds = supersede(alert, mail, 'superseded');
    scheduleAt(state, normalDue(state, policy, at));
    return { state, outcome: 'held', folds, reason: `still firing after ${Math.round((at - last.at) / 1000)}s: a repeat, held for the group's next notification` };
  }
  // Back to the state last notified (a re-fire inside resolve_hold): the held change never happened for the team.
  const cancelled = alert.held.map(({ id }): Fold => ({ id, reason: 'superseded' }));
  alert.held = [];
  const next = event.status === 'firing' ? `; the next repeat is due in ${Math.round((last.at + delay - at) / 1000)}s` : '';
  return { state, outcome: 'folded', folds: [...cancelled, { id: arrival.messageId, reason: 'duplicate' }], reason: `a duplicate of the ${last.status} notification already sent${next}` };
}

/** The alert holds only its latest mail: one held before it is folded (it is counted, and not sent). */
function supersede(alert: AlertState, mail: AlertState['held'][number], reason: Fold['reason']): Fold[] {
  const folds = alert.held.map(({ id }) => ({ id, reason }));
  alert.held = [mail];
  return folds;
}
