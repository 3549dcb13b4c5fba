import { UnrecoverableError, Worker, type Job } from 'bullmq';
import {
  concurrencyOfShard,
  crashRecovery,
  createCanaryStore,
  createGocdState,
  createMessageLifecycle,
  createMessageStore,
  createMessageIndex,
  indexEntry,
  createOutcomeMetrics,
  createQueue,
  createShardQueues,
  createFloodStore,
  createGroupStore,
  createRouterMetrics,
  evaluate,
  digestJobSchema,
  flushJobSchema,
  groupIdentity,
  decisionPolicy,
  jobId,
  keyspaceOf,
  messageIdDomain,
  observeBullmq,
  parseJob,
  QUEUES,
  routeJobSchema,
  splitDestinations,
  type CanaryProbe,
  type Config,
  type Decision,
  type DeliverJob,
  type RouteJob,
  type Service,
  type ServiceDeps,
  type TraceEvent,
} from '@mailsort/core';
import { createAlertGrouping } from './alert-grouping.js';
import { createFloodControl } from './flood-control.js';
import { createExpectations } from './expectations.js';
import { loadFacts } from './facts-loader.js';
import { createNotifications } from './notifications.js';
import { composedSender } from './composed-mail.js';
import { routeFailure, routeFailureCode } from './route-failure.js';

// Routing a message takes milliseconds; a router killed mid-job hands it on after this.
const ROUTE_STALLED_AFTER_MS = 10_000;
// Route jobs one router runs at once, across its shards' workers.
const ROUTE_CONCURRENCY = 50;
// Every router looks for alert-group flushes this late (a job lost between two writes) this often.
const SWEEP_EVERY_MS = 5_000;
const SWEEP_GRACE_MS = 15_000;
const TIMED_JOB_STALLS = 3;

/** Reads each accepted message's route job, decides with the rules engine, and enqueues one deliver job per destination. */
export function createRouterService(config: Config, { logger, registry, redis }: ServiceDeps): Service {
  // Message keys and route/deliver queues per shard; the rest under the global prefix (store/keyspace.ts).
  const keyspace = keyspaceOf(config.redis);
  const prefix = keyspace;
  // The routing a job starts with is the one it finishes with; a reload swaps this for the next job.
  let routing = config.routing;
  // The stores share a connection apart from BullMQ's (see the `store` role).
  const storeConnection = redis.connect('store');
  const store = createMessageStore(storeConnection, prefix);
  const lifecycle = createMessageLifecycle(storeConnection, { prefix, messageTtlMs: config.redis.message_ttl, traceTtlMs: config.redis.trace_ttl });
  const messageIndex = createMessageIndex(storeConnection, keyspace.global);
  const gocd = createGocdState(storeConnection, prefix);
  const canary = createCanaryStore(storeConnection, prefix);
  const deliverQueues = createShardQueues(QUEUES.deliver, redis.connect('worker'), keyspace);
  const flushQueue = createQueue(QUEUES.alertFlush, redis.connect('worker'), keyspace.global);
  const metrics = createRouterMetrics(registry);
  const outcomes = createOutcomeMetrics(registry);
  // The right-hand side of what mailsort names itself (Message-IDs, its own sender), from ingest.hostname.
  const domain = messageIdDomain(config.ingest.hostname);
  const composedFrom = () => composedSender(routing.composed_from, domain);
  const notifications = createNotifications({ lifecycle, store, enqueue, metrics, logger, domain, sender: composedFrom });
  const grouping = createAlertGrouping({ lifecycle, groups: createGroupStore(storeConnection, prefix), flushQueue, notifications, metrics, outcomes, logger });
  const expectations = createExpectations({
    redis: storeConnection,
    prefix,
    lifecycle,
    store,
    gocd,
    enqueue,
    registry,
    logger,
    domain,
    routing: () => routing,
  });
  let routeWorkers: Worker[] = [];
  const digestQueue = createQueue(QUEUES.floodDigest, redis.connect('worker'), keyspace.global);
  const floodControl = createFloodControl({
    store,
    flood: createFloodStore(storeConnection, prefix),
    lifecycle,
    digestQueue,
    enqueue,
    metrics,
    outcomes,
    logger,
    sender: composedFrom,
  });
  let flushWorker: Worker | undefined;
  let digestWorker: Worker | undefined;
  let sweeper: NodeJS.Timeout | undefined;

  function account(message: RouteJob, decision: Decision, deliveries: DeliverJob[]): void {
    const log = { id: message.id, action: decision.action, manager: decision.manager, rule: decision.rule, reason: decision.reason };
    for (const problem of decision.problems) {
      metrics.ruleErrors.inc({ code: problem.code });
      logger.warn({ id: message.id, code: problem.code, manager: decision.manager, rule: problem.rule }, `rule could not be evaluated: ${problem.message}`);
    }
    if (decision.event?.source === 'gocd' && decision.manager !== null && decision.event.event) {
      metrics.gocdEvents.inc({ event: decision.event.event, corrected: String(decision.event.corrected) });
    }
    if (decision.others?.action === 'drop') {
      metrics.recipientsDropped.inc({ reason: 'not_claimed' }, decision.others.addresses.length);
      logger.info(
        { id: message.id, manager: decision.manager, recipients: decision.others.addresses, reason: 'not_claimed' },
        'recipients the manager does not claim dropped (other_recipients: drop)',
      );
    }
    metrics.routed.inc({ action: decision.action });
    metrics.alertEvents.inc({ source: decision.alert.source, status: decision.alert.status, severity: decision.alert.severity });
    for (const delivery of deliveries) metrics.deliveriesEnqueued.inc({ kind: delivery.destination.kind });
    // A claimed part dropped while other recipients still get the message is not a dropped message.
    if (decision.action === 'drop' && deliveries.length === 0) {
      outcomes.finished.inc({ outcome: 'dropped', reason: decision.dropReason });
      logger.info({ ...log, dropReason: decision.dropReason }, 'message dropped');
    } else {
      logger.info({ ...log, recipients: decision.recipients, deliveries: deliveries.length }, 'message routed');
    }
  }

  // One delivery, the common case, goes in with add(): addBulk's MULTI costs more per message.
  // A delivery goes to the shard of the message it delivers, so one add or addBulk per shard.
  async function enqueue(deliveries: DeliverJob[]): Promise<unknown> {
    const byQueue = new Map<ReturnType<typeof deliverQueues.forId>, DeliverJob[]>();
    for (const delivery of deliveries) {
      const queue = deliverQueues.forId(delivery.id);
      const same = byQueue.get(queue);
      if (same) same.push(delivery);
      else byQueue.set(queue, [delivery]);
    }
    return Promise.all(
      [...byQueue].map(([deliverQueue, shardDeliveries]) => {
        const jobs = shardDeliveries.map((data) => ({ name: 'delivery', data, opts: { jobId: data.deliveryId } }));
        return jobs.length === 1 ? deliverQueue.add(jobs[0]!.name, jobs[0]!.data, jobs[0]!.opts) : deliverQueue.addBulk(jobs);
      }),
    );
  }

  async function route(job: Job): Promise<void> {
    try {
      await routeMessage(parseJob(routeJobSchema, job));
    } catch (error) {
      throw routeFailure(error, job.attemptsMade, job.opts.attempts);
    }
  }

  async function routeMessage(message: RouteJob): Promise<void> {
    // Only a mail naming a probe Redis holds is a canary; a look-alike is routed as any other.
    const probe = /^x-mailsort-canary:/im.test(message.headers) ? await canary.find(message.headers, message.envelope) : undefined;
    if (probe) return routeCanary(message, probe);
    const started = Date.now();
    const current = routing;
    const settings = { defaultUpstream: current.default_upstream, webhooks: current.webhooks };
    const { facts, context, snapshotAgeSeconds } = await loadFacts(message, current, store, gocd);
    if (snapshotAgeSeconds !== undefined) metrics.gocdSnapshotAge.set(snapshotAgeSeconds);
    const decision = evaluate(current.managers, facts, context);
    // Before the message is counted: a re-run records the same ping again (a no-op), never none.
    await expectations.observe(message, facts, context, decision.alert);
    const { routed, others } = splitDestinations(decision, message.envelope, settings);
    const policy = decisionPolicy(decision, routed.length);
    const deliveries: DeliverJob[] = (policy ? others : [...routed, ...others]).map((destination, index) => ({
      v: 1,
      id: message.id,
      deliveryId: jobId('deliver', message.id, index),
      acceptedAt: message.acceptedAt,
      original: message.envelope,
      destination,
    }));
    const group = policy ? { ...groupIdentity(policy, decision.alert, routed), route: policy.routeId, mode: policy.mode } : undefined;
    // The count (and the trace) is stored before any delivery exists: a sender finishing fast
    // must never see the message as done early. With no deliveries this deletes the message: the drop path.
    // A grouped message counts one part more, finished when its group folds or sends it.
    const counted = await lifecycle.route(message.id, deliveries.length + (policy ? 1 : 0), routedTrace(decision, deliveries, group));
    if (!counted.ok) {
      // Routed and finished before (a router died before acking), or never stored (the client
      // was told 451): nothing to deliver, and nothing to count again.
      logger.info({ id: message.id, code: 'MESSAGE_MISSING' }, 'message already finished or never stored; not routed again');
      return;
    }
    // The console's search: one ZADD per routed message, sent beside the enqueue rather than
    // before it (not a round trip of its own per message), and awaited before the job ends.
    // Only a convenience, so it never fails the routing.
    const indexed = messageIndex
      .record(indexEntry(message, facts))
      .catch((error: Error) => logger.warn({ id: message.id, code: 'INDEX_WRITE_FAILED', err: error.message }, 'message not indexed for the console'));
    // Flood control counts the route's own deliveries (not the unclaimed recipients'); a grouped route's notifications are not limited.
    const control = decision.action === 'deliver' && !policy ? (decision.flood ?? null) : null;
    const controlled = new Set(deliveries.slice(0, routed.length).map((delivery) => delivery.deliveryId));
    try {
      await enqueue(control ? await floodControl.admit(message, decision.alert, control, deliveries, controlled) : deliveries);
    } finally {
      await indexed;
    }
    if (policy) await grouping.arrive(message, decision.alert, policy, routed);
    account(message, decision, deliveries);
    metrics.duration.observe((Date.now() - started) / 1000);
  }

  async function digest(job: Job): Promise<void> {
    const { bucket, window } = parseJob(digestJobSchema, job);
    try {
      await floodControl.digest(bucket, window);
    } catch (error) {
      throw routeFailure(error, job.attemptsMade, job.opts.attempts);
    }
  }

  /** A canary's route is fixed: one delivery to the probe's address at its upstream; no rules, grouping, webhooks or counts. */
  async function routeCanary(message: RouteJob, probe: CanaryProbe): Promise<void> {
    const delivery: DeliverJob = {
      v: 1,
      id: message.id,
      deliveryId: jobId('deliver', message.id, 0),
      acceptedAt: message.acceptedAt,
      original: message.envelope,
      destination: { kind: 'smtp', upstream: probe.upstream, envelope: { from: probe.from, to: [probe.to] } },
      canary: probe.id,
    };
    const trace: TraceEvent = { at: Date.now(), service: 'router', event: 'routed', action: 'canary', destinations: [{ deliveryId: delivery.deliveryId, ...describe(delivery) }] };
    const counted = await lifecycle.route(message.id, 1, trace);
    if (!counted.ok) return;
    await enqueue([delivery]);
    logger.info({ id: message.id, probe: probe.id, upstream: probe.upstream }, 'canary probe routed');
  }

  async function flush(job: Job): Promise<void> {
    const { groupId, seq } = parseJob(flushJobSchema, job);
    try {
      await grouping.flush(groupId, seq);
    } catch (error) {
      throw routeFailure(error, job.attemptsMade, job.opts.attempts);
    }
  }

  /** A worker for the router's own timed jobs (alert-group flushes, flood digests): failures logged with the job's subject. */
  function timerWorker(queue: string, handler: (job: Job) => Promise<void>, concurrency: number, subject: string, failed: string): Worker {
    const connection = redis.connect('worker');
    // A timed job that keeps killing its router (a mail too big to build) fails after a few stalls instead of taking every router down in turn; the sweep tries it again hourly.
    const timed = new Worker(queue, handler, { connection, prefix: keyspace.global, concurrency, ...crashRecovery(ROUTE_STALLED_AFTER_MS), maxStalledCount: TIMED_JOB_STALLS });
    timed.on('failed', (job: Job<Record<string, unknown>> | undefined, error) => {
      logger.error({ [subject]: job?.data?.[subject], jobId: job?.id, attempts: job?.attemptsMade, code: routeFailureCode(error), err: error }, failed);
    });
    observeBullmq(timed, connection, `${queue} worker`);
    return timed;
  }

  return {
    async start() {
      // One route worker per shard (redis.shards), each on its shard's queue.
      routeWorkers = Array.from({ length: keyspace.shards }, (_, shard) => {
        const connection = redis.connect('worker');
        const worker = new Worker(QUEUES.route, route, {
          connection,
          prefix: keyspace.shardPrefix(shard),
          concurrency: concurrencyOfShard(ROUTE_CONCURRENCY, keyspace.shards, shard),
          ...crashRecovery(ROUTE_STALLED_AFTER_MS),
        });
        worker.on('failed', (job: Job<{ id?: unknown }> | undefined, error) => {
          const dead = error instanceof UnrecoverableError || (job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1));
          logger.error(
            { id: job?.data?.id, jobId: job?.id, attempts: job?.attemptsMade, code: routeFailureCode(error), dead, err: error },
            dead ? 'routing failed; kept as a dead letter (mailsort queue list)' : 'routing failed; will retry',
          );
        });
        observeBullmq(worker, connection, 'route worker');
        return worker;
      });
      flushWorker = timerWorker(QUEUES.alertFlush, flush, 10, 'groupId', 'alert-group flush failed; it is retried (and swept again if it runs out of attempts)');
      digestWorker = timerWorker(QUEUES.floodDigest, digest, 5, 'bucket', 'flood-control digest failed; it is retried (and swept again if it runs out of attempts)');
      sweeper = setInterval(() => {
        grouping.sweep(SWEEP_GRACE_MS).catch((error: unknown) => logger.warn({ code: routeFailureCode(error), err: error }, 'could not look for late alert-group flushes; trying again'));
        floodControl.sweep(SWEEP_GRACE_MS).catch((error: unknown) => logger.warn({ code: routeFailureCode(error), err: error }, 'could not look for late flood-control digests; trying again'));
      }, SWEEP_EVERY_MS);
      sweeper.unref();
      expectations.start();
    },
    isReady: () => routeWorkers.length > 0 && [...routeWorkers, flushWorker, digestWorker].every((running) => running?.isRunning() ?? false),
    reload(next) {
      routing = next.routing;
    },
    async stopIntake() {},
    async closeWorkers() {
      clearInterval(sweeper);
      await expectations.stop();
      await Promise.all([...routeWorkers.map((worker) => worker.close()), flushWorker?.close(), digestWorker?.close()]);
    },
    async closeProducers() {
      await Promise.all([deliverQueues.close(), flushQueue.close(), digestQueue.close()]);
    },
  };
}

function routedTrace(decision: Decision, deliveries: DeliverJob[], group: Record<string, string> | undefined): TraceEvent {
  return {
    at: Date.now(),
    service: 'router',
    event: 'routed',
    action: decision.action,
    manager: decision.manager,
    rule: decision.rule,
    rules: decision.rules,
    reason: decision.reason,
    parsed: decision.event,
    alert: decision.alert,
    problems: decision.problems,
    recipients: decision.recipients,
    ...(decision.others ? { others: decision.others.addresses, othersAction: decision.others.action, ...(decision.others.action === 'drop' ? { othersDropReason: 'not_claimed' } : {}) } : {}),
    destinations: deliveries.map((delivery) => ({ deliveryId: delivery.deliveryId, ...describe(delivery) })),
    ...(group ? { group } : {}),
  };
}

/** A destination for the trace, without webhook URLs (they are secrets). */
function describe(delivery: DeliverJob): Record<string, unknown> {
  const { destination } = delivery;
  if (destination.kind === 'smtp') return { kind: 'smtp', upstream: destination.upstream, envelope: destination.envelope, rewrites: destination.rewrites };
  return { kind: 'webhook', host: new URL(destination.url).host, format: destination.format, style: destination.style };
}
