import type { AlertState, FlushPlan, GroupingPolicy, GroupState, HeldMail, NotifiedAlert, PlannedNotification } from './types.js';

type Draft = Omit<PlannedNotification, 'id' | 'thread'>;

function shown(alert: AlertState, status = alert.status): NotifiedAlert {
  const { key, source, severity, summary, labels, firstSeen, lastSeen, count } = alert;
  return { key, source, severity, summary, labels, status, firstSeen, lastSeen, count };
}

function single(alert: AlertState, mail: HeldMail): Draft {
  return { kind: 'single', members: [mail.id], alerts: [shown(alert, mail.status)], subject: mail.subject };
}

function summarySubject(name: string, alerts: readonly NotifiedAlert[]): string {
  const firing = alerts.filter((alert) => alert.status === 'firing').length;
  const resolved = alerts.length - firing;
  if (firing === 0) return `[RESOLVED:${resolved}] ${name}`;
  return `[FIRING:${firing}] ${name}${resolved > 0 ? ` (${resolved} resolved)` : ''}`;
}

/** Flapping alerts: the notice when due, settled ones released, the others re-checked when their oldest change leaves the window. */
function flappingStep(alert: AlertState, policy: GroupingPolicy, now: number): { notice?: Draft; recheckAt?: number } {
  const flap = policy.flapping;
  if (!flap || alert.flapping === null) return {};
  alert.changes = alert.changes.filter((time) => time > now - flap.windowMs);
  if (alert.flapping === 'noticeDue') {
    alert.flapping = 'held';
    const notice: Draft = {
      kind: 'flapping',
      members: [],
      alerts: [shown(alert)],
      subject: `[FLAPPING] ${alert.summary}`,
      flap: { changes: alert.changes.length, windowMs: flap.windowMs, settleAt: flap.settleAt },
    };
    return { notice, recheckAt: now + flap.windowMs };
  }
  if (alert.changes.length <= flap.settleAt) {
    alert.flapping = null;
    return {};
  }
  const oldest = alert.changes.length > 0 ? Math.min(...alert.changes) : now;
  return { recheckAt: oldest + flap.windowMs };
}

function markNotified(alert: AlertState, status: AlertState['status'], now: number): void {
  const previous = alert.notified;
  alert.notified = { status, at: now, repeat: previous && previous.status === status ? previous.repeat + 1 : 0 };
  alert.count = 0;
  alert.held = [];
}

/** Resolved alerts long quiet, and any alert unseen for longer than every window, leave the state. */
function prune(state: GroupState, policy: GroupingPolicy, now: number): void {
  const longest = Math.max(...policy.repeatMs, policy.groupIntervalMs) + policy.newThreadAfterMs;
  for (const [key, alert] of Object.entries(state.alerts)) {
    if (alert.held.length > 0 || alert.flapping !== null) continue;
    const quietResolved = alert.status === 'resolved' && alert.notified?.status === 'resolved' && now - alert.lastSeen > policy.newThreadAfterMs;
    if (quietResolved || now - alert.lastSeen > longest) delete state.alerts[key];
  }
}

/**
 * Pure: the group's flush `state.seq` at `now`: what is sent (one notification per alert
 * with a held mail, or one summary when several have one; flapping notices), and the state
 * after it, with the plan kept as `pending` until the caller has carried it out.
 */
export function planFlush(current: GroupState, now: number, policy: GroupingPolicy): { state: GroupState; plan: FlushPlan } {
  const state: GroupState = structuredClone(current);
  const drafts: Draft[] = [];
  const due: AlertState[] = [];
  const rechecks: number[] = [];
  const alerts = Object.values(state.alerts).sort((a, b) => a.firstSeen - b.firstSeen || a.key.localeCompare(b.key));
  for (const alert of alerts) {
    const { notice, recheckAt } = flappingStep(alert, policy, now);
    if (notice) drafts.push(notice);
    if (recheckAt !== undefined) rechecks.push(recheckAt);
    if (alert.flapping === null && alert.held.length > 0) due.push(alert);
  }
  if (policy.mode === 'thread') {
    const mails = due.flatMap((alert) => alert.held.map((mail) => ({ alert, mail }))).sort((a, b) => a.mail.at - b.mail.at);
    for (const { alert, mail } of mails) drafts.push(single(alert, mail));
  } else if (due.length === 1) {
    drafts.push(single(due[0]!, due[0]!.held[0]!));
  } else if (due.length > 1) {
    const shownAlerts = due.map((alert) => shown(alert, alert.held[0]!.status));
    drafts.push({ kind: 'summary', members: due.map((alert) => alert.held[0]!.id), alerts: shownAlerts, subject: summarySubject(state.name, shownAlerts) });
  }
  const carried = due.flatMap((alert) => alert.held.map((mail) => mail.id));
  for (const alert of due) markNotified(alert, alert.held[alert.held.length - 1]!.status, now);

  const notifications = drafts.map(
    (draft, index): PlannedNotification => ({ ...draft, id: `${state.id}-${state.life}-${state.seq}-${index}`, thread: policy.threading ? threadSlot(state, draft.subject, now) : null }),
  );
  const everyResolved = Object.values(state.alerts).every((alert) => alert.status === 'resolved' && alert.notified?.status === 'resolved');
  if (everyResolved && state.thread.quietSince === null) state.thread.quietSince = now;
  if (notifications.length > 0) state.lastFlushAt = now;
  prune(state, policy, now);
  const plan: FlushPlan = { seq: state.seq, at: now, notifications, carried };
  state.seq += 1;
  state.dueAt = rechecks.length > 0 ? Math.min(...rechecks) : null;
  state.pending = notifications.length > 0 || carried.length > 0 ? plan : null;
  return { state, plan };
}

function threadSlot(state: GroupState, subject: string, now: number): NonNullable<PlannedNotification['thread']> {
  const { thread } = state;
  if (thread.sent === 0 || thread.startedAt === null || thread.firstSubject === null) {
    thread.startedAt = now;
    thread.firstSubject = subject;
  }
  const slot = { epoch: thread.epoch, index: thread.sent, startedAt: thread.startedAt, firstSubject: thread.firstSubject };
  thread.sent += 1;
  return slot;
}
