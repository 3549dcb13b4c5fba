import type { AlertState, Arrival, ArrivalResult, Fold, GroupingPolicy, GroupState } from './types.js';

// Route jobs re-run after a stall (10 s) or a retry (up to ~17 min): ids are remembered longer than a busy group turns over in that time.
const RECENT_IDS = 256;
/** A group keeps at most this many alerts; mails of further alerts share one "more alerts" entry. */
export const MAX_ALERTS_PER_GROUP = 500;
export const OVERFLOW_KEY = '~more-alerts';

/** A new group; `life` tells this group apart from an earlier one with the same id whose state expired. */
export function emptyGroup(id: string, name: string, life: string): GroupState {
  return { v: 1, id, name, life, seq: 0, dueAt: null, lastFlushAt: null, thread: { epoch: 0, sent: 0, startedAt: null, firstSubject: null, quietSince: null }, alerts: {}, recent: [], pending: null };
}

/** The delay before the next repeat of a state already notified `repeat` times after its first. */
function repeatDelay(policy: GroupingPolicy, repeat: number): number {
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
  return { ...event, firstSeen: at, lastSeen: at, count: 0, held: [], notified: null, changes: [], history: [], flapping: null };
}

/** The folds decided for a mail seen before (a re-run carries them out again), or undefined for a new mail. */
function seenBefore(state: GroupState, id: string): Fold[] | undefined {
  const entry = state.recent.find((recent) => recent.id === id);
  if (entry) return entry.folds;
  const waiting = Object.values(state.alerts).some((alert) => alert.held.some((mail) => mail.id === id)) || state.pending?.carried.includes(id);
  return waiting ? [] : undefined;
}

/** The alert a mail counts under: its own, or the group's shared overflow entry once the group is full. */
function alertFor(state: GroupState, arrival: Arrival): Arrival {
  const { event } = arrival;
  if (state.alerts[event.key] || Object.keys(state.alerts).length < MAX_ALERTS_PER_GROUP) return arrival;
  const summary = `more alerts than one group keeps (${MAX_ALERTS_PER_GROUP}); the latest: ${event.summary}`;
  return { ...arrival, event: { ...event, key: OVERFLOW_KEY, summary, labels: {} } };
}

/**
 * Pure: what one alert mail does to its group. The state is a copy; the caller stores it
 * (compare-and-set) and then carries out the folds.
 */
export function arrive(current: GroupState, incoming: Arrival, policy: GroupingPolicy): ArrivalResult {
  const known = seenBefore(current, incoming.messageId);
  if (known) return { state: current, outcome: 'known', folds: known, reason: 'seen before (a re-run); nothing changed' };
  const state: GroupState = structuredClone(current);
  maybeNewThread(state, policy, incoming.at);
  const arrival = alertFor(state, incoming);
  const result = decide(state, arrival, policy);
  state.recent = [...state.recent, { id: arrival.messageId, folds: result.folds }].slice(-RECENT_IDS);
  return { state, ...result };
}

function decide(state: GroupState, arrival: Arrival, policy: GroupingPolicy): Omit<ArrivalResult, 'state'> {
  const { event, at } = arrival;
  const alert = state.alerts[event.key] ?? newAlert(arrival);
  state.alerts[event.key] = alert;
  const flap = policy.flapping;
  if (flap) recordHistory(alert, at, event.status, flap.windowMs);
  if (at < alert.lastSeen) {
    // Older than what the alert already saw (a route job retried late, or two routers racing):
    // counted, and in the flap history at its time; it changes the alert's state no further.
    alert.count += 1;
    if (flap && alert.flapping === null && alert.changes.length > flap.changes) {
      alert.flapping = 'noticeDue';
      scheduleAt(state, at);
    }
    return { outcome: 'folded', folds: [{ id: arrival.messageId, reason: 'superseded' }], reason: 'older than the latest mail of its alert: counted, changes nothing' };
  }
  Object.assign(alert, { status: event.status, severity: event.severity, summary: event.summary, labels: event.labels, lastSeen: at, count: alert.count + 1 });
  if (event.status === 'firing') state.thread.quietSince = null;
  const mail = { id: arrival.messageId, status: event.status, subject: arrival.subject, at };

  if (policy.mode === 'thread') {
    alert.held.push(mail);
    scheduleAt(state, at);
    return { outcome: 'held', folds: [], reason: 'threading: sent at once in the alert thread' };
  }
  if (flap && alert.flapping === null && alert.changes.length > flap.changes) {
    alert.flapping = 'noticeDue';
    scheduleAt(state, at);
  }
  if (alert.flapping !== null) {
    return { outcome: 'held', folds: supersede(alert, mail, 'flapping'), reason: `flapping (${alert.changes.length} state changes in the window): held until it settles` };
  }

  const last = alert.notified;
  if (last === null || last.status !== event.status) {
    const folds = supersede(alert, mail, 'superseded');
    if (event.status === 'resolved' && last !== null) scheduleAt(state, at + policy.resolveHoldMs);
    else scheduleAt(state, normalDue(state, policy, at));
    const what = last === null ? 'new alert' : `now ${event.status} (was ${last.status})`;
    return { outcome: 'held', folds, reason: `${what}: held for the group's next notification` };
  }
  const delay = repeatDelay(policy, last.repeat);
  if (event.status === 'firing' && at - last.at >= delay) {
    const folds = supersede(alert, mail, 'superseded');
    scheduleAt(state, normalDue(state, policy, at));
    return { outcome: 'held', folds, reason: `still firing after ${Math.round((at - last.at) / 1000)}s: a repeat, held for the group's next notification` };
  }
  if (event.status === 'resolved' && alert.held.some((held) => held.status === 'firing')) {
    // Re-fired after its resolve was sent and resolved again before the next flush: the team hears it, as a resolve counting both.
    const folds = supersede(alert, mail, 'superseded');
    scheduleAt(state, at + policy.resolveHoldMs);
    return { outcome: 'held', folds, reason: 're-fired and resolved again before the next notification: held, to be sent as a resolve' };
  }
  // Back to the state last notified (a re-fire inside resolve_hold): the held resolve never happened for the team.
  const cancelled = alert.held.map(({ id }): Fold => ({ id, reason: 'superseded' }));
  alert.held = [];
  const next = event.status === 'firing' ? `; the next repeat is due in ${Math.round((last.at + delay - at) / 1000)}s` : '';
  return { outcome: 'folded', folds: [...cancelled, { id: arrival.messageId, reason: 'duplicate' }], reason: `a duplicate of the ${last.status} notification already sent${next}` };
}

// Enough history for any flap threshold a config can sensibly hold inside its window.
const MAX_HISTORY = 200;

/**
 * The alert's statuses in the flap window, in acceptance order (two routers may see them out of
 * order), and from them its state changes: flapping is counted on what happened, not on arrival order.
 */
function recordHistory(alert: AlertState, at: number, status: AlertState['status'], windowMs: number): void {
  const history = [...alert.history, [at, status] as [number, AlertState['status']]].sort((a, b) => a[0] - b[0]);
  const newest = history[history.length - 1]![0];
  alert.history = history.filter(([time]) => time > newest - windowMs).slice(-MAX_HISTORY);
  alert.changes = alert.history.flatMap(([time, state], index) => (index > 0 && alert.history[index - 1]![1] !== state ? [time] : []));
}

/** The alert holds only its latest mail: one held before it is folded (it is counted, and not sent). */
function supersede(alert: AlertState, mail: AlertState['held'][number], reason: Fold['reason']): Fold[] {
  const folds = alert.held.map(({ id }) => ({ id, reason }));
  alert.held = [mail];
  return folds;
}
