import { arrive, createGroupStore, decisionPolicy, emptyGroup, groupIdentity, type GroupState } from '../alerts/grouping/index.js';
import type { Config } from '../config/schema/index.js';
import type { Destination } from '../queues/payloads.js';
import type { Decision } from '../rules/types.js';
import type { ExplainRedis } from './explain-redis.js';
import { keyspaceOf } from '../store/keyspace.js';

export interface GroupingExplained {
  route: string;
  mode: 'group' | 'thread';
  group: string;
  name: string;
  /** Where the group's state came from: Redis now, or none (explained as the group's first mail). */
  state: string;
  outcome: 'held' | 'folded' | 'known';
  reason: string;
  /** When the group's next notification is due, if one is (ISO time). */
  dueAt: string | null;
}

/** What grouping would do with this mail now: the pure engine run on the group's state in Redis (read, never written). */
export async function explainGrouping(config: Config, decision: Decision, routed: Destination[], reader: ExplainRedis, now = Date.now()): Promise<GroupingExplained | null> {
  const policy = decisionPolicy(decision, routed.length);
  if (!policy) return null;
  const { id, name } = groupIdentity(policy, decision.alert, routed);
  let current: GroupState | null = null;
  let origin: string;
  const connected = await reader.open();
  if ('error' in connected) {
    origin = `none: ${connected.error}; explained as the group's first mail`;
  } else {
    try {
      current = (await createGroupStore(connected.redis, keyspaceOf(config.redis)).read(id))?.state ?? null;
      origin = current
        ? `Redis: ${Object.keys(current.alerts).length} alert(s), ${current.thread.sent} notification(s) in thread ${current.thread.epoch}`
        : 'Redis: no such group yet (this mail would open it)';
    } finally {
      reader.release(connected.redis);
    }
  }
  const status = decision.alert.status === 'resolved' ? 'resolved' : 'firing';
  const { key, source, severity, summary, labels } = decision.alert;
  const result = arrive(current ?? emptyGroup(id, name, 'explain'), { messageId: '(explain)', at: now, subject: summary, event: { key, source, status, severity, summary, labels } }, policy);
  const dueAt = result.state.dueAt;
  return { route: policy.routeId, mode: policy.mode, group: id, name, state: origin, outcome: result.outcome, reason: result.reason, dueAt: dueAt === null ? null : new Date(dueAt).toISOString() };
}

export function describeGrouping(grouping: GroupingExplained | null): Array<[string, string]> {
  if (!grouping) return [['grouping', 'off for this route (or not alert mail): sent as routed']];
  const due = grouping.dueAt ? `; next notification due ${grouping.dueAt}` : '';
  return [
    ['grouping', `${grouping.mode === 'thread' ? 'threading' : 'grouping'} on route ${grouping.route}: group ${grouping.group} (${grouping.name})`],
    ['  state', grouping.state],
    ['  now', `${grouping.outcome}: ${grouping.reason}${due}`],
  ];
}
