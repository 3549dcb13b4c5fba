import { asKeyspace, type KeyPrefix } from './keyspace.js';

/**
 * Every Redis key mailsort writes outside BullMQ's own, built in one place. A message's keys
 * (msg, pending, finished, delivered, delivery, trace, notification) are written only by
 * message-state/ and live in the message's shard (keyspace.ts); the others under the global prefix.
 */
export function storeKeys(keyPrefix: KeyPrefix) {
  const space = asKeyspace(keyPrefix);
  const of = space.prefixOf;
  const prefix = space.global;
  return {
    message: (id: string) => `${of(id)}:msg:${id}`,
    pending: (id: string) => `${of(id)}:msg:${id}:pending`,
    trace: (id: string) => `${of(id)}:trace:${id}`,
    delivered: (deliveryId: string) => `${of(deliveryId)}:delivered:${deliveryId}`,
    /** Ids of a message's deliveries already counted as finished, so a re-run never counts twice. */
    finished: (id: string) => `${of(id)}:msg:${id}:finished`,
    /** The sender's record of one delivery: attempts, first/last attempt, last reply, per-recipient results. */
    deliveryState: (deliveryId: string) => `${of(deliveryId)}:delivery:${deliveryId}`,
    /** gocd-sync's snapshot of pipeline groups (JSON with its fetch time). */
    gocdGroups: () => `${prefix}:gocd:groups`,
    /** Held by the gocd-sync replica that polls GoCD this interval. */
    gocdPollLock: () => `${prefix}:gocd:groups:poll-lock`,
    /** Last result per GoCD `pipeline/stage`, for the BREAKS/FIXED correction. */
    gocdStageResults: () => `${prefix}:gocd:stage-results`,
    /** Failed AUTH attempts from one client address in the current window (ingest replicas share it). */
    authFailures: (address: string) => `${prefix}:ingest:auth-failures:${address}`,
    /** AUTH password checks running now for one client address (ingest replicas share it). */
    authChecks: (address: string) => `${prefix}:ingest:auth-checks:${address}`,
    /** Present while a client address is locked out of AUTH. */
    authLockout: (address: string) => `${prefix}:ingest:auth-lockout:${address}`,
    /** One alert group's state (JSON) and its version, for compare-and-set (alerts/grouping/). */
    alertGroup: (groupId: string) => `${prefix}:alert-group:${groupId}`,
    /** Alert groups by the time their next flush is due, so a lost flush job is found again. */
    alertGroupsDue: () => `${prefix}:alert-groups:due`,
    /** Notifications already created (by id), so a re-run of a flush never creates one twice. */
    notificationCreated: (id: string) => `${of(id)}:notification:${id}:created`,
    /** Dead-letter notices one contact (an address, or a webhook's URL hash) got in one fixed window. */
    escalationRate: (contact: string, window: number) => `${prefix}:sender:escalation-rate:${window}:${contact}`,
    /** Last pings per instance of one expectation (`s:HOST` success, `f:HOST` failure; ms), written by routers. */
    expectSeen: (name: string) => `${prefix}:expect:${name}:seen`,
    /** The alert record per instance of one expectation (JSON), written by the checker with compare-and-set. */
    expectAlerts: (name: string) => `${prefix}:expect:${name}:alerts`,
    /** Held by the router replica that checks the expectations this interval. */
    expectCheckLock: () => `${prefix}:expect:check-lock`,
    /** Held by the sender replica that sends this interval's canary probe. */
    canaryLock: () => `${prefix}:canary:lock`,
    /** A probe in flight (JSON: where it goes); its id in the probe's header is what makes a mail a canary. */
    canaryProbe: (probeId: string) => `${prefix}:canary:probe:${probeId}`,
    /** The sender's word on a probe's delivery (a list, popped by the replica waiting for it). */
    canaryDone: (probeId: string) => `${prefix}:canary:probe:${probeId}:done`,
    /** The last probe's result, read by every sender replica for its gauges. */
    canaryLast: () => `${prefix}:canary:last`,
    /** Messages one ingest user sent in one fixed rate-limit window. */
    userRate: (username: string, window: number) => `${prefix}:ingest:rate:${window}:${username}`,
  };
}
