import type { Destination } from '../../queues/payloads.js';
import type { AlertSeverity, AlertSource } from '../types.js';

/** One route's grouping, resolved from the config (docs/alerts.md): the engine's only input besides state and time. */
export interface GroupingPolicy {
  /** `manager` or `manager/rule`: whose grouping this is (part of the group id). */
  routeId: string;
  /** `group`: grouping with dedup windows; `thread`: threading only, every mail sent at once. */
  mode: 'group' | 'thread';
  groupBy: readonly string[];
  groupWaitMs: number;
  groupIntervalMs: number;
  /** Repeat delays after the first notification of a state, the last one repeating: repeat_backoff, or [repeat_interval]. */
  repeatMs: readonly number[];
  resolveHoldMs: number;
  /** A thread whose alerts are all resolved and quiet this long ends; the next mail starts a new one. */
  newThreadAfterMs: number;
  flapping: FlappingPolicy | null;
  threading: boolean;
  followupSubject: string;
}

/** Icinga's model: flapping above `changes` state changes in `windowMs`, settled at or below `settleAt`. */
export interface FlappingPolicy {
  changes: number;
  settleAt: number;
  windowMs: number;
}

export type GroupedStatus = 'firing' | 'resolved';

/** A mail kept for the next flush: the latest of its alert (grouping) or every one (threading only). */
export interface HeldMail {
  id: string;
  status: GroupedStatus;
  subject: string;
  at: number;
}

/** An alert as its mails describe it, and what was seen of it since its last notification. */
export interface AlertSeen {
  key: string;
  source: AlertSource;
  severity: AlertSeverity;
  summary: string;
  labels: Record<string, string>;
  status: GroupedStatus;
  firstSeen: number;
  lastSeen: number;
  /** Mails since the alert's last notification, folded ones included (shown in the next one). */
  count: number;
}

export interface AlertState extends AlertSeen {
  held: HeldMail[];
  /** What the alert's last notification said, and which repeat it was (0 = the first of that status). */
  notified: { status: GroupedStatus; at: number; repeat: number } | null;
  /** Times of its status changes inside the flap window (from `history`). */
  changes: number[];
  /** Its mails' [time, status] inside the flap window, in acceptance order; empty when flapping is off. */
  history: Array<[number, GroupedStatus]>;
  /** `noticeDue`: flapping, the notice not yet sent; `held`: flapping, notice sent, mails held. */
  flapping: 'noticeDue' | 'held' | null;
}

export interface ThreadState {
  epoch: number;
  /** Notifications sent in this thread (the next one's index). */
  sent: number;
  startedAt: number | null;
  firstSubject: string | null;
  /** When every alert of the group became resolved and notified so; null while one fires. */
  quietSince: number | null;
}

export interface GroupState {
  v: 1;
  id: string;
  name: string;
  /** Unique per life of the group (its first mail's id): notification ids and thread ids never repeat an expired group's. */
  life: string;
  /** The number of the next flush: a flush job carries it, and only the matching job flushes. */
  seq: number;
  /** When the flush `seq` is due; null when nothing waits. */
  dueAt: number | null;
  lastFlushAt: number | null;
  thread: ThreadState;
  alerts: Record<string, AlertState>;
  /** Recently seen mails and the folds decided for them, so a re-run of a route job changes nothing and still folds. */
  recent: Array<{ id: string; folds: Fold[] }>;
  /** A flush decided but not yet carried out: a re-run carries it out (never decides it twice). */
  pending: FlushPlan | null;
  /** Where the group's notifications go (the recipients are part of the group's id) and under which policy (the engine does not read it). */
  route?: { policy: GroupingPolicy; destinations: Destination[] };
}

export interface Fold {
  id: string;
  /** `duplicate` (inside the repeat window), `superseded` (a later mail of the alert is sent instead), `flapping`. */
  reason: 'duplicate' | 'superseded' | 'flapping';
}

/** The alert as a notification shows it. */
export type NotifiedAlert = AlertSeen;

export interface PlannedNotification {
  /** Deterministic: the group id, the flush number and its place in the flush. */
  id: string;
  /** `single`: the original mail (a copy, with thread headers); `summary`: several alerts in one mail; `flapping`: the notice. */
  kind: 'single' | 'summary' | 'flapping';
  /** Held mails it carries: the one copied (single) or those attached (summary). */
  members: string[];
  alerts: NotifiedAlert[];
  subject: string;
  thread: { epoch: number; index: number; startedAt: number; firstSubject: string } | null;
  /** Flapping notices: the counts the text states. */
  flap?: { changes: number; windowMs: number; settleAt: number };
}

export interface FlushPlan {
  seq: number;
  at: number;
  notifications: PlannedNotification[];
  /** Held mails that go out inside a notification: their grouping part finishes once it exists. */
  carried: string[];
}

/** One mail reaching a grouped route. */
export interface Arrival {
  messageId: string;
  at: number;
  subject: string;
  event: { key: string; source: AlertSource; status: GroupedStatus; severity: AlertSeverity; summary: string; labels: Record<string, string> };
}

export interface ArrivalResult {
  state: GroupState;
  /** `held` for the next flush; `folded` now; `known`: this message was seen before (a re-run), nothing changed. */
  outcome: 'held' | 'folded' | 'known';
  /** Mails whose grouping part finishes now, this one when folded. */
  folds: Fold[];
  /** One sentence for the trace and explain. */
  reason: string;
}

/** A rule's or manager's `grouping:` as the config gives it (durations in ms). */
export interface GroupingSettings {
  group_by: readonly string[];
  group_wait: number;
  group_interval: number;
  repeat_interval: number;
  repeat_backoff?: readonly number[] | undefined;
  resolve_hold: number;
  new_thread_after: number;
  flapping: { changes: number; settle_at: number; window: number } | false;
  followup_subject: string;
}

/** What a decision carries about alert handling: whose settings apply, and which. */
export interface RouteAlerting {
  routeId: string;
  grouping: GroupingSettings | null;
  threading: boolean;
}
