import type { Decision } from '../../rules/types.js';
import type { GroupingPolicy, RouteAlerting } from './types.js';

const DEFAULT_FOLLOWUP_SUBJECT = 'Re: {first_subject}';
// Threading alone keeps a thread's state this long after its last resolve (as grouping's default does).
const THREAD_ONLY_QUIET_MS = 3_600_000;

/** The engine's policy for a decision's route, or null when the route neither groups nor threads. */
function groupingPolicy(alerting: RouteAlerting | null | undefined): GroupingPolicy | null {
  if (!alerting || (alerting.grouping === null && !alerting.threading)) return null;
  const { routeId, grouping, threading } = alerting;
  if (grouping === null) {
    return {
      routeId,
      mode: 'thread',
      groupBy: ['key'],
      groupWaitMs: 0,
      groupIntervalMs: 0,
      repeatMs: [0],
      resolveHoldMs: 0,
      newThreadAfterMs: THREAD_ONLY_QUIET_MS,
      flapping: null,
      threading: true,
      followupSubject: DEFAULT_FOLLOWUP_SUBJECT,
    };
  }
  return {
    routeId,
    mode: 'group',
    groupBy: grouping.group_by,
    groupWaitMs: grouping.group_wait,
    groupIntervalMs: grouping.group_interval,
    repeatMs: grouping.repeat_backoff && grouping.repeat_backoff.length > 0 ? grouping.repeat_backoff : [grouping.repeat_interval],
    resolveHoldMs: grouping.resolve_hold,
    newThreadAfterMs: grouping.new_thread_after,
    flapping: grouping.flapping === false ? null : { changes: grouping.flapping.changes, settleAt: grouping.flapping.settle_at, windowMs: grouping.flapping.window },
    threading,
    followupSubject: grouping.followup_subject,
  };
}

/** How long a group's state must live: past every window it still has to remember. */
export function groupStateTtlMs(policy: GroupingPolicy): number {
  const windows = [...policy.repeatMs, policy.groupIntervalMs, policy.groupWaitMs, policy.newThreadAfterMs, policy.flapping?.windowMs ?? 0];
  return 2 * Math.max(...windows) + 86_400_000;
}

/** The policy a routed message is held under: alert mail only (an `info` event is never held), and only when its route sends somewhere. */
export function decisionPolicy(decision: Decision, routedCount: number): GroupingPolicy | null {
  if (decision.action !== 'deliver' || decision.alert.status === 'info' || routedCount === 0) return null;
  return groupingPolicy(decision.alerting);
}
