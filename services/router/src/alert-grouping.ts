import type { Queue } from 'bullmq';
import {
  arrive,
  emptyGroup,
  groupIdentity,
  groupStateTtlMs,
  jobId,
  planFlush,
  type AlertEvent,
  type ArrivalResult,
  type Destination,
  type Fold,
  type GroupingPolicy,
  type GroupState,
  type GroupStore,
  type Logger,
  type MessageLifecycle,
  type OutcomeMetrics,
  type RouteJob,
  type RouterMetrics,
  type StoredGroup,
  type TraceEvent,
} from '@mailsort/core';
import type { Notifications } from './notifications.js';

// Compare-and-set loses only to another replica writing the same group at the same moment.
const MAX_WRITE_ATTEMPTS = 50;
// BullMQ's delayed jobs may start a little before their time.
const EARLY_TOLERANCE_MS = 1000;

export interface AlertGroupingDeps {
  lifecycle: MessageLifecycle;
  groups: GroupStore;
  flushQueue: Queue;
  notifications: Notifications;
  metrics: RouterMetrics;
  outcomes: OutcomeMetrics;
  logger: Logger;
}

type GroupingFold = Fold['reason'] | 'grouped';

/** The id of a message's grouping part: counted like a delivery, finished by the fold. */
const groupingPartId = (messageId: string) => jobId('deliver', messageId, 'group');

class GroupWriteConflictError extends Error {
  readonly code = 'REDIS_UNAVAILABLE' as const;
}

/**
 * The Redis side of alert grouping (docs/alerts.md): mails join their group, flushes send
 * what the pure engine decided. Every step can run twice (a replica killed half-way, a
 * stalled job run again) and still sends each notification once and finishes each mail once.
 */
export function createAlertGrouping({ lifecycle, groups, flushQueue, notifications, metrics, outcomes, logger }: AlertGroupingDeps) {
  /** Reads, decides, and writes only over what was read; decides again when another writer came first. */
  async function update<T>(groupId: string, decide: (current: StoredGroup | null) => { state: GroupState; result: T } | { skip: T }, ttlMs: number): Promise<{ state: GroupState | null; result: T }> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt += 1) {
      const current = await groups.read(groupId);
      const decided = decide(current);
      if ('skip' in decided) return { state: current?.state ?? null, result: decided.skip };
      if (await groups.write(groupId, current?.version ?? null, decided.state, ttlMs)) return { state: decided.state, result: decided.result };
      // Replicas that lost the same race should not all retry in step.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (attempt + 1)));
    }
    throw new GroupWriteConflictError(`alert group ${groupId}: ${MAX_WRITE_ATTEMPTS} writers in a row got there first`);
  }

  async function fold(messageId: string, reason: GroupingFold, groupId: string, notification?: string): Promise<void> {
    const trace: TraceEvent = { at: Date.now(), service: 'router', event: 'folded', group: groupId, reason, ...(notification ? { notification } : {}) };
    const done = await lifecycle.fold(messageId, groupingPartId(messageId), trace);
    if (done.ok && done.counted && done.left <= 0) outcomes.finished.inc({ outcome: 'folded', reason });
  }

  const dueOf = (state: GroupState) => `${state.seq}/${state.dueAt}`;

  async function schedule(state: GroupState | null): Promise<void> {
    if (state?.dueAt == null) return;
    const delay = Math.max(0, state.dueAt - Date.now());
    // The due time is in the id: a due time brought forward (a resolve) gets its own job; the later one then finds the flush done.
    await flushQueue.add('flush', { v: 1, groupId: state.id, seq: state.seq }, { jobId: jobId('flush', state.id, state.seq, state.dueAt), delay });
  }

  /** Carries out a decided flush: notifications made (once each), then the mails they carry finished. */
  async function carryOut(state: GroupState): Promise<void> {
    const plan = state.pending;
    if (!plan || !state.route) return;
    for (const notification of plan.notifications) {
      await notifications.send(state, notification, plan.at);
    }
    const made = new Map(plan.notifications.flatMap((notification) => notification.members.map((member) => [member, notification.id] as const)));
    for (const id of plan.carried) await fold(id, made.has(id) ? 'grouped' : 'superseded', state.id, made.get(id));
    const cleared = await update(
      state.id,
      (current) => {
        if (!current || current.state.pending?.seq !== plan.seq) return { skip: undefined };
        return { state: { ...current.state, pending: null }, result: undefined };
      },
      groupStateTtlMs(state.route.policy),
    );
    await schedule(cleared.state);
  }

  return {
    /**
     * A mail on a grouped route joins its group. The message must already count its grouping
     * part (route with deliveries + 1), so a fold can never finish it early.
     */
    async arrive(message: RouteJob, alert: AlertEvent, policy: GroupingPolicy, destinations: Destination[]): Promise<{ groupId: string; outcome: string; reason: string }> {
      const { id: groupId, name } = groupIdentity(policy, alert, destinations);
      const status = alert.status === 'resolved' ? 'resolved' : 'firing';
      const arrival = {
        messageId: message.id,
        // When ingest accepted it, not now: a route job retried late must not pass a newer mail of its alert.
        at: message.acceptedAt,
        subject: alert.summary,
        event: { key: alert.key, source: alert.source, status, severity: alert.severity, summary: alert.summary, labels: alert.labels },
      } as const;
      const route = { policy, destinations };
      let dueBefore: string | null = null;
      const { state, result } = await update<ArrivalResult>(
        groupId,
        (current) => {
          dueBefore = current ? dueOf(current.state) : null;
          const decided = arrive(current?.state ?? emptyGroup(groupId, name, message.id), arrival, policy);
          if (decided.outcome === 'known') return { skip: decided };
          return { state: { ...decided.state, route }, result: decided };
        },
        groupStateTtlMs(policy),
      );
      for (const { id, reason } of result.folds) await fold(id, reason, groupId);
      // Most mails of a busy group leave its due time as it was: its job exists, so adding it again
      // would be a round trip for nothing. A re-run ('known') adds it anyway, in case its first run died first.
      if (result.outcome === 'known' || (state && dueOf(state) !== dueBefore)) await schedule(state);
      if (result.outcome !== 'known') metrics.grouped.inc({ outcome: result.outcome });
      logger.info({ id: message.id, group: groupId, outcome: result.outcome, key: alert.key }, `alert mail ${result.outcome}: ${result.reason}`);
      return { groupId, outcome: result.outcome, reason: result.reason };
    },

    /** A flush job: carries out a pending flush, or decides flush `seq` when it is still the group's next. */
    async flush(groupId: string, seq: number): Promise<void> {
      const current = await groups.read(groupId);
      if (!current?.state.route) return;
      if (current.state.pending) await carryOut(current.state);
      const policy = current.state.route.policy;
      const { state, result: flushed } = await update(
        groupId,
        (latest) => {
          // A job that fired before the due time (its due time moved) waits for the job of the new one.
          if (!latest || latest.state.pending || latest.state.seq !== seq || latest.state.dueAt === null || latest.state.dueAt > Date.now() + EARLY_TOLERANCE_MS) return { skip: false };
          return { state: planFlush(latest.state, Date.now(), policy).state, result: true };
        },
        groupStateTtlMs(policy),
      );
      if (!flushed || !state) return;
      metrics.flushes.inc();
      if (state.pending) await carryOut(state);
      else await schedule(state);
    },

    /** Flushes overdue by more than `graceMs` (a lost job, a flush out of attempts) get a job again; sets the gauges. */
    async sweep(graceMs: number): Promise<void> {
      const now = Date.now();
      const [waiting, oldest, late] = await Promise.all([groups.open(), groups.oldestDue(), groups.dueBefore(now - graceMs, 100)]);
      metrics.groupsDue.set(waiting);
      metrics.flushOverdue.set(oldest === null ? 0 : Math.max(0, (now - oldest) / 1000));
      for (const { groupId, dueAt } of late) {
        const stored = await groups.read(groupId);
        if (!stored) {
          await groups.forget(groupId);
          continue;
        }
        // One sweep job per flush, due time and hour, however many routers sweep how often (a flush failing for an hour is tried again).
        await flushQueue.add('flush', { v: 1, groupId, seq: stored.state.seq }, { jobId: jobId('flush', groupId, stored.state.seq, 'sweep', dueAt, Math.floor(now / 3_600_000)) });
      }
    },
  };
}

export type AlertGrouping = ReturnType<typeof createAlertGrouping>;
