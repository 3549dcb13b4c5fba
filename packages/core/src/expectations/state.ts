/** What the checker (and `mailsort expectations`) says about one instance of an expectation. */
export type ExpectationStatus = 'ok' | 'late' | 'missing' | 'failing';

export const EXPECTATION_STATUSES: readonly ExpectationStatus[] = ['ok', 'late', 'missing', 'failing'];

export interface ExpectationTiming {
  every: number;
  grace: number;
  /** 0: no reminders. */
  nag: number;
}

/** The last pings one instance sent (ms since epoch), as the routers recorded them. */
export interface InstanceSeen {
  lastSuccess?: number | undefined;
  lastFailure?: number | undefined;
}

/**
 * The alert side of one instance, written only by the checker (compare-and-set). `outage`
 * numbers the threads: each new outage is a new thread; `index` is the next mail's place in it.
 */
export interface AlertRecord {
  state: 'ok' | 'missing' | 'failing';
  /** Since when an instance that never pinged is counted (an expectation without `per`). */
  watching?: number | undefined;
  outage: number;
  index: number;
  /** When the outage's first mail was made, and its subject (the thread's root). */
  since?: number | undefined;
  subject?: string | undefined;
  /** When the next reminder is due, while missing or failing with nag on. */
  nagAt?: number | undefined;
}

export type NoticeKind = 'missing' | 'failing' | 'reminder' | 'recovered';

export interface Notice {
  kind: NoticeKind;
  outage: number;
  /** 0 is the thread's root; the rest reply to it. */
  index: number;
  /** The status that caused it, for the text. */
  status: ExpectationStatus;
}

/**
 * The last ping of either kind; for an instance that never pinged, when the checker started
 * counting (`watching`); undefined when neither is known. A ping always wins over `watching`:
 * a checker meeting an old ping for the first time must not restart its clock.
 */
export function lastPing(seen: InstanceSeen, record?: AlertRecord): number | undefined {
  const times = [seen.lastSuccess, seen.lastFailure].filter((time): time is number => time !== undefined);
  return times.length > 0 ? Math.max(...times) : record?.watching;
}

/** When the instance becomes late (`late`) and missing (`missing`): the next mail is due at `late`. */
export function dueTimes(seen: InstanceSeen, timing: ExpectationTiming, record?: AlertRecord): { late: number; missing: number } | undefined {
  const last = lastPing(seen, record);
  return last === undefined ? undefined : { late: last + timing.every, missing: last + timing.every + timing.grace };
}

/** Pure: the instance's status now. The latest ping being a failure is `failing`, however old. */
export function assess(now: number, seen: InstanceSeen, timing: ExpectationTiming, record?: AlertRecord): ExpectationStatus {
  if (seen.lastFailure !== undefined && seen.lastFailure >= (seen.lastSuccess ?? Number.NEGATIVE_INFINITY)) return 'failing';
  const due = dueTimes(seen, timing, record);
  if (due === undefined) return 'ok';
  if (now > due.missing) return 'missing';
  return now > due.late ? 'late' : 'ok';
}

const OK: AlertRecord = { state: 'ok', outage: 0, index: 0 };

/**
 * Pure: one check of one instance. ok → missing|failing starts an outage (its root mail);
 * while it lasts a reminder every `nag`, and a changed state (missing → failing) is told in the
 * same thread; ok or late again ends it with a back-to-normal mail in the same thread.
 */
export function decide(now: number, seen: InstanceSeen, timing: ExpectationTiming, record: AlertRecord = OK): { status: ExpectationStatus; next: AlertRecord; notice?: Notice } {
  const status = assess(now, seen, timing, record);
  const bad = status === 'missing' || status === 'failing';
  const nagAt = timing.nag > 0 ? now + timing.nag : undefined;
  if (record.state === 'ok') {
    if (!bad) return { status, next: record };
    const outage = record.outage + 1;
    return { status, next: { ...record, state: status, outage, index: 1, since: now, nagAt }, notice: { kind: status, outage, index: 0, status } };
  }
  const notice = (kind: NoticeKind): Notice => ({ kind, outage: record.outage, index: record.index, status });
  if (!bad) {
    const { watching } = record;
    return { status, next: { state: 'ok', outage: record.outage, index: 0, ...(watching === undefined ? {} : { watching }) }, notice: notice('recovered') };
  }
  if (status !== record.state) return { status, next: { ...record, state: status, index: record.index + 1, nagAt }, notice: notice(status) };
  if (record.nagAt !== undefined && now >= record.nagAt) return { status, next: { ...record, index: record.index + 1, nagAt }, notice: notice('reminder') };
  return { status, next: record };
}
