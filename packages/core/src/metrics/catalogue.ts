import type { Queue } from 'bullmq';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { ERROR_CODES } from '../errors.js';
import { ALERT_SEVERITIES, ALERT_SOURCES, ALERT_STATUSES } from '../alerts/types.js';
import { REFUSAL_LABELS } from '../smtp/refusals.js';
import { GOCD_EVENT_NAMES } from '../rules/types.js';
import { roleOf, type RedisRoleName } from '../redis/master-address.js';

const REDIS_ROLES: readonly RedisRoleName[] = ['master', 'replica', 'unreachable'];

// Every mailsort metric is declared here, once. Labels are bounded: queue, state, result,
// reason, upstream (configured names), never an address or a subject.

// The closed sets of label values. Each labelled counter starts at 0 for every one of them, so
// a dashboard shows 0 rather than "No data" and rate() sees the first increment.
export const LABEL_VALUES = {
  via: ['trusted', 'authenticated'],
  // ingest's refusals: the keys of its reply tables.
  ...REFUSAL_LABELS,
  recipientDropReason: ['not_claimed'],
  authFailureReason: ['invalid_credentials', 'locked_out', 'throttled', 'cleartext', 'unavailable'],
  action: ['deliver', 'passthrough', 'drop'],
  deliveryKind: ['smtp', 'webhook'],
  ruleErrorCode: Object.keys(ERROR_CODES).filter((code) => code.startsWith('RULE_')),
  gocdEvent: GOCD_EVENT_NAMES,
  corrected: ['true', 'false'],
  deliveryResult: ['delivered', 'deferred', 'failed', 'partial', 'expired'],
  dropReason: ['no_rule_matched', 'not_a_stage_mail', 'no_actions'],
  failedReason: ['failed', 'expired', 'partial'],
  alertSource: ALERT_SOURCES,
  alertStatus: ALERT_STATUSES,
  alertSeverity: ALERT_SEVERITIES,
  foldReason: ['duplicate', 'superseded', 'flapping', 'grouped', 'digest'],
  floodBypass: ['critical', 'rule'],
  groupingOutcome: ['held', 'folded'],
  notificationKind: ['single', 'summary', 'flapping', 'digest'],
  // A dead letter's notice (docs/guards.md): queued, then delivered or failed; a contact over its limit, a re-run's repeat.
  escalationResult: ['queued', 'delivered', 'failed', 'rate_limited', 'duplicate'],
  canaryResult: ['delivered', 'failed', 'timeout', 'refused'],
  gocdErrorReason: ['timeout', 'unreachable', 'unauthorized', 'forbidden', 'not_found', 'status', 'invalid', 'empty'],
  consolePage: ['overview', 'messages', 'message', 'dead_letters', 'explain', 'audit', 'login', 'asset', 'api', 'other'],
  consoleStatus: ['2xx', '3xx', '4xx', '5xx'],
  consoleLoginResult: ['ok', 'invalid_credentials', 'rate_limited', 'busy'],
  consoleAction: ['retry', 'replay', 'delete'],
  consoleActionResult: ['done', 'refused', 'forbidden'],
} as const;

/** The webhook deliveries' `upstream` label. */
export const WEBHOOK_UPSTREAM = 'webhook';

type Labels = Record<string, string>;

/** Every combination of the given label values, e.g. result × upstream. */
function combinations(values: Record<string, readonly string[]>): Labels[] {
  return Object.entries(values).reduce<Labels[]>((sets, [name, options]) => sets.flatMap((set) => options.map((value) => ({ ...set, [name]: value }))), [{}]);
}

function startAtZero<T extends string>(counter: Counter<T>, sets: Labels[]): Counter<T> {
  for (const labels of sets) counter.inc(labels as Partial<Record<T, string>>, 0);
  return counter;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600, 86400];

export function createIngestMetrics(registry: Registry, { listeners = [] }: { listeners?: readonly string[] } = {}) {
  const registers = [registry];
  const perListener = combinations({ listener: listeners });
  return {
    sessions: startAtZero(new Counter({ name: 'mailsort_ingest_sessions_total', help: 'SMTP sessions opened.', labelNames: ['listener'], registers }), perListener),
    activeSessions: new Gauge({ name: 'mailsort_ingest_active_sessions', help: 'SMTP sessions open now.', registers }),
    connectionsRefused: startAtZero(
      new Counter({
        name: 'mailsort_ingest_connections_refused_total',
        help: 'Connections refused 421 before the greeting, by reason (max_connections: that many sessions are open; per_client: the address holds max_connections_per_client; untrusted_slots: untrusted clients hold all slots but those reserved for trusted networks).',
        labelNames: ['reason'],
        registers,
      }),
      combinations({ reason: LABEL_VALUES.connectionRefusedReason }),
    ),
    sessionsCut: startAtZero(
      new Counter({
        name: 'mailsort_ingest_sessions_cut_total',
        help: 'Sessions closed for being too slow, by reason (transaction_timeout, slow_data: 421 4.4.2; handshake_timeout: an implicit TLS handshake not finished in tls_handshake_timeout, closed).',
        labelNames: ['reason'],
        registers,
      }),
      combinations({ reason: LABEL_VALUES.sessionCutReason }),
    ),
    tlsSessions: startAtZero(
      new Counter({ name: 'mailsort_ingest_tls_sessions_total', help: 'Sessions that negotiated TLS (STARTTLS or implicit).', labelNames: ['listener'], registers }),
      perListener,
    ),
    accepted: startAtZero(
      new Counter({
        name: 'mailsort_ingest_messages_accepted_total',
        help: 'Messages answered 250 after being stored in Redis, by how the client was allowed to relay (via: trusted, authenticated).',
        labelNames: ['via'],
        registers,
      }),
      combinations({ via: LABEL_VALUES.via }),
    ),
    rejected: startAtZero(
      new Counter({ name: 'mailsort_ingest_messages_rejected_total', help: 'Transactions refused, by reason.', labelNames: ['reason'], registers }),
      combinations({ reason: LABEL_VALUES.rejectReason }),
    ),
    authFailures: startAtZero(
      new Counter({
        name: 'mailsort_ingest_auth_failures_total',
        help: 'Failed or refused AUTH attempts, by reason (invalid_credentials, locked_out, throttled, cleartext, unavailable).',
        labelNames: ['reason'],
        registers,
      }),
      combinations({ reason: LABEL_VALUES.authFailureReason }),
    ),
    authSuccesses: new Counter({ name: 'mailsort_ingest_auth_successes_total', help: 'Successful AUTH exchanges.', registers }),
    authLockouts: new Counter({ name: 'mailsort_ingest_auth_lockouts_total', help: 'Client addresses locked out of AUTH after repeated failures.', registers }),
    bytes: new Counter({ name: 'mailsort_ingest_received_bytes_total', help: 'Bytes of accepted messages.', registers }),
    acceptDuration: new Histogram({ name: 'mailsort_ingest_accept_duration_seconds', help: 'End of DATA to the 250 reply (storing in Redis).', buckets: LATENCY_BUCKETS, registers }),
  };
}

export function createRouterMetrics(registry: Registry) {
  const registers = [registry];
  return {
    routed: startAtZero(
      new Counter({ name: 'mailsort_router_messages_total', help: 'Messages routed, by decision.', labelNames: ['action'], registers }),
      combinations({ action: LABEL_VALUES.action }),
    ),
    deliveriesEnqueued: startAtZero(
      new Counter({ name: 'mailsort_router_deliveries_enqueued_total', help: 'Deliveries handed to the sender.', labelNames: ['kind'], registers }),
      combinations({ kind: LABEL_VALUES.deliveryKind }),
    ),
    recipientsDropped: startAtZero(
      new Counter({
        name: 'mailsort_router_recipients_dropped_total',
        help: 'Envelope recipients of a claimed message that get no delivery (other_recipients: drop), by reason.',
        labelNames: ['reason'],
        registers,
      }),
      combinations({ reason: LABEL_VALUES.recipientDropReason }),
    ),
    ruleErrors: startAtZero(
      new Counter({ name: 'mailsort_router_rule_errors_total', help: 'Rules that could not be evaluated, by code.', labelNames: ['code'], registers }),
      combinations({ code: LABEL_VALUES.ruleErrorCode }),
    ),
    duration: new Histogram({ name: 'mailsort_router_duration_seconds', help: 'Time to route one message.', buckets: LATENCY_BUCKETS, registers }),
    gocdEvents: startAtZero(
      new Counter({
        name: 'mailsort_router_gocd_events_total',
        help: 'GoCD stage mails taken by a gocd manager, by event and whether the BREAKS/FIXED correction changed it.',
        labelNames: ['event', 'corrected'],
        registers,
      }),
      combinations({ event: LABEL_VALUES.gocdEvent, corrected: LABEL_VALUES.corrected }),
    ),
    alertEvents: startAtZero(
      new Counter({
        name: 'mailsort_router_alert_events_total',
        help: "Routed messages by their alert event (docs/alerts.md): the parser's source, the status and the severity.",
        labelNames: ['source', 'status', 'severity'],
        registers,
      }),
      combinations({ source: LABEL_VALUES.alertSource, status: LABEL_VALUES.alertStatus, severity: LABEL_VALUES.alertSeverity }),
    ),
    gocdSnapshotAge: new Gauge({ name: 'mailsort_router_gocd_snapshot_age_seconds', help: 'Age of the pipeline-group snapshot the last GoCD rule evaluation used.', registers }),
    grouped: startAtZero(
      new Counter({
        name: 'mailsort_router_alert_grouped_total',
        help: 'Alert mails on a grouped or threaded route (docs/alerts.md): held for the next notification, or folded at once (a duplicate).',
        labelNames: ['outcome'],
        registers,
      }),
      combinations({ outcome: LABEL_VALUES.groupingOutcome }),
    ),
    notifications: startAtZero(
      new Counter({
        name: 'mailsort_router_notifications_created_total',
        help: 'Messages mailsort composed for alert groups: single (an original with thread headers), summary, flapping notice. Each is then delivered like an accepted message.',
        labelNames: ['kind'],
        registers,
      }),
      combinations({ kind: LABEL_VALUES.notificationKind }),
    ),
    groupsDue: new Gauge({ name: 'mailsort_router_alert_groups_waiting', help: 'Alert groups with a flush scheduled (a held mail, a flapping re-check, or a flush being carried out).', registers }),
    flushOverdue: new Gauge({
      name: 'mailsort_router_alert_flush_overdue_seconds',
      help: 'How long past its due time the most overdue alert-group flush is (0 when none is late); the router sweeps late flushes every few seconds.',
      registers,
    }),
    floodHeld: new Counter({ name: 'mailsort_router_flood_held_total', help: "Deliveries held by flood control for their window's digest (docs/guards.md).", registers }),
    floodBypassed: startAtZero(
      new Counter({
        name: 'mailsort_router_flood_bypassed_total',
        help: 'Deliveries over their flood-control limit sent at once anyway: critical, or a rule with bypass_flood_control (they still count against the bucket).',
        labelNames: ['reason'],
        registers,
      }),
      combinations({ reason: LABEL_VALUES.floodBypass }),
    ),
    floodHeldNow: new Gauge({ name: 'mailsort_router_flood_held_mails', help: "Mails held by flood control now, waiting for their window's digest.", registers }),
    floodLimited: new Gauge({ name: 'mailsort_router_flood_limited_destinations', help: 'Destinations (team addresses, webhooks) over their flood-control limit now, with mail held.', registers }),
    flushes: new Counter({ name: 'mailsort_router_alert_flushes_total', help: 'Alert-group flushes carried out (one per group per due time, across all router replicas).', registers }),
  };
}

export interface SenderMetricSources {
  /** Open SMTP connections per upstream, read when Prometheus scrapes. */
  poolConnections?: () => Iterable<[upstream: string, connections: number]>;
  /** The configured upstreams' names, for the counters to start at 0 for each. */
  upstreams?: readonly string[];
}

export function createSenderMetrics(registry: Registry, sources: SenderMetricSources = {}) {
  const registers = [registry];
  return {
    deliveries: startAtZero(
      new Counter({
        name: 'mailsort_sender_deliveries_total',
        help: 'Delivery attempts by result (delivered, deferred, failed, partial, expired) and upstream ("webhook" for webhooks).',
        labelNames: ['result', 'upstream'],
        registers,
      }),
      combinations({ result: LABEL_VALUES.deliveryResult, upstream: [...(sources.upstreams ?? []), WEBHOOK_UPSTREAM] }),
    ),
    // The classifier's reasons are open-ended (they follow nodemailer's codes): only `ok` starts at 0.
    attempts: startAtZero(
      new Counter({ name: 'mailsort_sender_attempts_total', help: 'Connection attempts to an upstream, by outcome (ok, or the classifier reason).', labelNames: ['upstream', 'outcome'], registers }),
      combinations({ upstream: sources.upstreams ?? [], outcome: ['ok'] }),
    ),
    deliveryDuration: new Histogram({ name: 'mailsort_sender_delivery_duration_seconds', help: 'One delivery attempt to an upstream.', labelNames: ['upstream'], buckets: LATENCY_BUCKETS, registers }),
    acceptToDelivered: new Histogram({ name: 'mailsort_accept_to_delivered_seconds', help: 'From the 250 at ingest to the upstream accepting the delivery.', buckets: LATENCY_BUCKETS, registers }),
    poolConnections: new Gauge({
      name: 'mailsort_sender_pool_connections',
      help: 'Open SMTP connections per upstream.',
      labelNames: ['upstream'],
      registers,
      collect() {
        for (const [upstream, connections] of sources.poolConnections?.() ?? []) this.set({ upstream }, connections);
      },
    }),
    escalations: startAtZero(
      new Counter({
        name: 'mailsort_sender_escalations_total',
        help: 'Dead-letter notices to a human: queued, delivered, failed (the notice could not be queued or died too), rate_limited (a contact skipped), duplicate (a re-run, not sent again).',
        labelNames: ['result'],
        registers,
      }),
      combinations({ result: LABEL_VALUES.escalationResult }),
    ),
    breakerOpen: new Gauge({ name: 'mailsort_sender_upstream_breaker_open', help: '1 while an upstream is paused after repeated failures.', labelNames: ['upstream'], registers }),
  };
}

/** The message-level accounting: accepted = finished(delivered + dropped + failed) + in flight. */
export function createOutcomeMetrics(registry: Registry) {
  return {
    finished: startAtZero(
      new Counter({
        name: 'mailsort_messages_finished_total',
        help: 'Messages (accepted, or notifications mailsort composed) that reached an end: delivered, dropped, folded (into an alert group: a duplicate, superseded, flapping, or carried in a notification) or failed, by reason.',
        labelNames: ['outcome', 'reason'],
        registers: [registry],
      }),
      [
        { outcome: 'delivered', reason: '' },
        ...combinations({ outcome: ['dropped'], reason: LABEL_VALUES.dropReason }),
        ...combinations({ outcome: ['folded'], reason: LABEL_VALUES.foldReason }),
        ...combinations({ outcome: ['failed'], reason: LABEL_VALUES.failedReason }),
      ],
    ),
  };
}

/** The operator console (docs/console.md): pages served, logins, and the state changes made from it. */
export function createConsoleMetrics(registry: Registry) {
  const registers = [registry];
  return {
    requests: startAtZero(
      new Counter({ name: 'mailsort_console_requests_total', help: 'Console HTTP requests, by page and status class.', labelNames: ['page', 'status'], registers }),
      combinations({ page: LABEL_VALUES.consolePage, status: LABEL_VALUES.consoleStatus }),
    ),
    duration: new Histogram({ name: 'mailsort_console_request_duration_seconds', help: 'Time to answer a console request, by page.', labelNames: ['page'], buckets: LATENCY_BUCKETS, registers }),
    logins: startAtZero(
      new Counter({ name: 'mailsort_console_logins_total', help: 'Console logins, by result (bearer tokens included).', labelNames: ['result'], registers }),
      combinations({ result: LABEL_VALUES.consoleLoginResult }),
    ),
    actions: startAtZero(
      new Counter({ name: 'mailsort_console_actions_total', help: 'State changes asked for from the console (each one audited), by action and result.', labelNames: ['action', 'result'], registers }),
      combinations({ action: LABEL_VALUES.consoleAction, result: LABEL_VALUES.consoleActionResult }),
    ),
  };
}

export type ConsoleMetrics = ReturnType<typeof createConsoleMetrics>;

export function createGocdMetrics(registry: Registry) {
  const registers = [registry];
  return {
    lastSuccess: new Gauge({ name: 'mailsort_gocd_sync_last_success_timestamp_seconds', help: 'When the pipeline-group snapshot was last refreshed.', registers }),
    errors: startAtZero(
      new Counter({ name: 'mailsort_gocd_sync_errors_total', help: 'Failed GoCD polls, by reason.', labelNames: ['reason'], registers }),
      combinations({ reason: LABEL_VALUES.gocdErrorReason }),
    ),
    pipelines: new Gauge({ name: 'mailsort_gocd_sync_pipelines', help: 'Pipelines in the current snapshot.', registers }),
  };
}

/**
 * The dead-man's switch (docs/guards.md). `expectation` is a configured name (bounded); the host
 * is not bounded and is never a label: the gauges count hosts per state instead.
 */
export function createExpectationMetrics(registry: Registry, expectations: readonly string[] = []) {
  const registers = [registry];
  return {
    missed: startAtZero(
      new Counter({
        name: 'mailsort_expectations_missed_total',
        help: 'Outages of an expected mail begun (one per host and outage, across all router replicas), by the state that began it.',
        labelNames: ['expectation', 'state'],
        registers,
      }),
      expectations.length > 0 ? combinations({ expectation: expectations, state: ['missing', 'failing'] }) : [],
    ),
    lastSeen: new Gauge({
      name: 'mailsort_expectation_last_seen_timestamp_seconds',
      help: "The oldest of the hosts' last mails for an expectation (min over hosts), so it goes stale when any host goes quiet.",
      labelNames: ['expectation'],
      registers,
    }),
    hosts: new Gauge({
      name: 'mailsort_expectation_hosts',
      help: 'Hosts (instances) of an expectation in each state now: ok, late, missing, failing.',
      labelNames: ['expectation', 'state'],
      registers,
    }),
  };
}

/**
 * The end-to-end canary's own numbers (its probes count nowhere else). The gauges carry the
 * probed upstream, so a process with no canary configured exports the families with no series
 * and no alert fires for it. Every sender replica reports the last probe, whichever replica sent it.
 */
export function createCanaryMetrics(registry: Registry) {
  const registers = [registry];
  return {
    success: new Gauge({ name: 'mailsort_canary_success', help: '1 when the last canary probe reached its upstream (250), 0 when it did not.', labelNames: ['upstream'], registers }),
    lastSuccess: new Gauge({
      name: 'mailsort_canary_last_success_timestamp_seconds',
      help: 'When a canary probe last reached its upstream.',
      labelNames: ['upstream'],
      registers,
    }),
    latency: new Histogram({
      name: 'mailsort_canary_latency_seconds',
      help: 'A canary probe from the 250 at ingest to the upstream 250.',
      labelNames: ['upstream'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    probes: startAtZero(
      new Counter({ name: 'mailsort_canary_probes_total', help: 'Canary probes this replica sent, by result (refused: ingest did not accept it).', labelNames: ['result'], registers }),
      combinations({ result: LABEL_VALUES.canaryResult }),
    ),
  };
}

export type CanaryMetrics = ReturnType<typeof createCanaryMetrics>;
export type IngestMetrics = ReturnType<typeof createIngestMetrics>;
export type ExpectationMetrics = ReturnType<typeof createExpectationMetrics>;
export type RouterMetrics = ReturnType<typeof createRouterMetrics>;
export type SenderMetrics = ReturnType<typeof createSenderMetrics>;
export type OutcomeMetrics = ReturnType<typeof createOutcomeMetrics>;
export type GocdMetrics = ReturnType<typeof createGocdMetrics>;

/** Always 1; its label names the running version. */
export function createBuildInfo(registry: Registry, version: string): void {
  new Gauge({ name: 'mailsort_build_info', help: 'Always 1; labels name the running version.', labelNames: ['version'], registers: [registry] }).set({ version }, 1);
}

/** Results a reload can end in: applied (possibly keeping restart-only keys), invalid config, or failed to apply. */
export const RELOAD_RESULTS = ['applied', 'invalid', 'failed'] as const;

export function createReloadMetrics(registry: Registry) {
  const registers = [registry];
  const metrics = {
    success: new Gauge({ name: 'mailsort_config_reload_success', help: '1 when the last configuration load (start or reload) was applied, 0 when it was refused.', registers }),
    timestamp: new Gauge({ name: 'mailsort_config_reload_timestamp_seconds', help: 'When the running configuration was last loaded successfully (start or reload).', registers }),
    reloads: new Counter({ name: 'mailsort_config_reloads_total', help: 'Reloads (SIGHUP or file watch), by result.', labelNames: ['result'], registers }),
  };
  for (const result of RELOAD_RESULTS) metrics.reloads.inc({ result }, 0);
  return metrics;
}

export type ReloadMetrics = ReturnType<typeof createReloadMetrics>;

const STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized', 'waiting-children'] as const;

/** A queue the gauges read, with the shard it belongs to (0 for the timed queues and a single shard). */
export interface GaugedQueue {
  queue: Queue;
  shard: number;
}

/**
 * Queue lengths by state (summed over shards) and the age of the oldest waiting job, read
 * from Redis when Prometheus scrapes, not on a timer; and the route/deliver lengths per shard
 * (the same counts, no extra round trip), to see one shard fall behind.
 */
export function createQueueGauges(registry: Registry, queues: readonly GaugedQueue[]): void {
  const perShard = new Gauge({
    name: 'mailsort_queue_shard_jobs',
    help: 'Jobs in each shard of the route and deliver queues by state (redis.shards), read at scrape time.',
    labelNames: ['queue', 'shard', 'state'],
    registers: [registry],
  });
  new Gauge({
    name: 'mailsort_queue_jobs',
    help: 'Jobs in each queue by state, read at scrape time.',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      const totals = new Map<string, Record<string, number>>();
      for (const { queue, shard } of queues) {
        const counts = await queue.getJobCounts(...STATES);
        const total = totals.get(queue.name) ?? {};
        for (const state of STATES) {
          total[state] = (total[state] ?? 0) + (counts[state] ?? 0);
          perShard.set({ queue: queue.name, shard: String(shard), state }, counts[state] ?? 0);
        }
        totals.set(queue.name, total);
      }
      for (const [name, total] of totals) for (const state of STATES) this.set({ queue: name, state }, total[state] ?? 0);
    },
  });
  new Gauge({
    name: 'mailsort_queue_oldest_waiting_age_seconds',
    help: 'Age of the oldest job waiting (or delayed) in each queue (over all its shards); 0 when none.',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      const now = Date.now();
      const oldest = new Map<string, number>();
      for (const { queue } of queues) {
        const [job] = await queue.getJobs(['waiting', 'delayed', 'prioritized'], 0, 0, true);
        const age = job ? Math.max(0, (now - job.timestamp) / 1000) : 0;
        oldest.set(queue.name, Math.max(oldest.get(queue.name) ?? 0, age));
      }
      for (const [name, age] of oldest) this.set({ queue: name }, age);
    },
  });
}

export interface RedisMetricSources {
  /** The master this process's connections last came up on, and the failovers seen (the Redis factory). */
  master(): { address: string | undefined; failovers: number };
  /** The node's ROLE reply, asked at scrape time; undefined when it did not answer. */
  role(): Promise<unknown>;
}

/**
 * Where a process's Redis is and what it is: the master's address, the role of the node its
 * connections are on (a "replica" means a demoted master still holds them), its connected
 * replicas, and the failovers the process followed. Read when Prometheus scrapes.
 */
export function createRedisMetrics(registry: Registry, sources: RedisMetricSources): void {
  const registers = [registry];
  new Gauge({
    name: 'mailsort_redis_master_info',
    help: 'Always 1; the address label is the Redis master (host:port) this process is connected to.',
    labelNames: ['address'],
    registers,
    collect() {
      this.reset();
      const { address } = sources.master();
      if (address !== undefined) this.set({ address }, 1);
    },
  });
  new Counter({
    name: 'mailsort_redis_failovers_total',
    help: "Times this process's Redis connections came back on another master than before (a Sentinel failover followed).",
    registers,
    collect() {
      this.reset();
      this.inc(sources.master().failovers);
    },
  });
  // Both gauges come from one ROLE: whichever Prometheus collects first asks, the other reuses it.
  let pending: Promise<void> | undefined;
  const once = () => {
    pending ??= read().finally(() => setImmediate(() => (pending = undefined)));
    return pending;
  };
  const role = new Gauge({
    name: 'mailsort_redis_role',
    help: '1 for the role of the Redis node this process writes to (master, replica, unreachable), 0 for the others.',
    labelNames: ['role'],
    registers,
    collect: once,
  });
  const replicas = new Gauge({ name: 'mailsort_redis_connected_replicas', help: "Replicas connected to this process's Redis master (ROLE), read at scrape time.", registers, collect: once });
  async function read(): Promise<void> {
    const seen = roleOf(await sources.role().catch(() => undefined));
    for (const name of REDIS_ROLES) role.set({ role: name }, name === seen.role ? 1 : 0);
    replicas.set(seen.replicas);
  }
}
