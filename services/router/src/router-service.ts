import { UnrecoverableError, Worker, type Job } from 'bullmq';
import {
  crashRecovery,
  createGocdState,
  createMessageLifecycle,
  createMessageStore,
  createOutcomeMetrics,
  createQueue,
  createRouterMetrics,
  destinationsFor,
  evaluate,
  jobId,
  observeBullmq,
  parseJob,
  QUEUES,
  routeJobSchema,
  type Config,
  type Decision,
  type DeliverJob,
  type RouteJob,
  type Service,
  type ServiceDeps,
  type TraceEvent,
} from '@mailsort/core';
import { loadFacts } from './facts-loader.js';
import { routeFailure, routeFailureCode } from './route-failure.js';

// Routing a message takes milliseconds; a router killed mid-job hands it on after this.
const ROUTE_STALLED_AFTER_MS = 10_000;

/** Reads each accepted message's route job, decides with the rules engine, and enqueues one deliver job per destination. */
export function createRouterService(config: Config, { logger, registry, redis }: ServiceDeps): Service {
  const { prefix } = config.redis;
  // The routing a job starts with is the one it finishes with; a reload swaps this for the next job.
  let routing = config.routing;
  // The stores share a connection apart from BullMQ's (see the `store` role).
  const storeConnection = redis.connect('store');
  const store = createMessageStore(storeConnection, prefix);
  const lifecycle = createMessageLifecycle(storeConnection, { prefix, messageTtlMs: config.redis.message_ttl, traceTtlMs: config.redis.trace_ttl });
  const gocd = createGocdState(storeConnection, prefix);
  const deliverQueue = createQueue(QUEUES.deliver, redis.connect('worker'), prefix);
  const metrics = createRouterMetrics(registry);
  const outcomes = createOutcomeMetrics(registry);
  let worker: Worker | undefined;

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
  async function enqueue(deliveries: DeliverJob[]): Promise<unknown> {
    const jobs = deliveries.map((data) => ({ name: 'delivery', data, opts: { jobId: data.deliveryId } }));
    if (jobs.length === 1) return deliverQueue.add(jobs[0]!.name, jobs[0]!.data, jobs[0]!.opts);
    return jobs.length > 0 ? deliverQueue.addBulk(jobs) : undefined;
  }

  async function route(job: Job): Promise<void> {
    try {
      await routeMessage(parseJob(routeJobSchema, job));
    } catch (error) {
      throw routeFailure(error, job.attemptsMade, job.opts.attempts);
    }
  }

  async function routeMessage(message: RouteJob): Promise<void> {
    const started = Date.now();
    const current = routing;
    const settings = { defaultUpstream: current.default_upstream, webhooks: current.webhooks };
    const { facts, context, snapshotAgeSeconds } = await loadFacts(message, current, store, gocd);
    if (snapshotAgeSeconds !== undefined) metrics.gocdSnapshotAge.set(snapshotAgeSeconds);
    const decision = evaluate(current.managers, facts, context);
    const deliveries: DeliverJob[] = destinationsFor(decision, message.envelope, settings).map((destination, index) => ({
      v: 1,
      id: message.id,
      deliveryId: jobId('deliver', message.id, index),
      acceptedAt: message.acceptedAt,
      original: message.envelope,
      destination,
    }));
    // The count (and the trace) is stored before any delivery exists: a sender finishing fast
    // must never see the message as done early. With no deliveries this deletes the message: the drop path.
    const counted = await lifecycle.route(message.id, deliveries.length, routedTrace(decision, deliveries));
    if (!counted.ok) {
      // Routed and finished before (a router died before acking), or never stored (the client
      // was told 451): nothing to deliver, and nothing to count again.
      logger.info({ id: message.id, code: 'MESSAGE_MISSING' }, 'message already finished or never stored; not routed again');
      return;
    }
    await enqueue(deliveries);
    account(message, decision, deliveries);
    metrics.duration.observe((Date.now() - started) / 1000);
  }

  return {
    async start() {
      const connection = redis.connect('worker');
      worker = new Worker(QUEUES.route, route, { connection, prefix, concurrency: 50, ...crashRecovery(ROUTE_STALLED_AFTER_MS) });
      worker.on('failed', (job: Job<{ id?: unknown }> | undefined, error) => {
        const dead = error instanceof UnrecoverableError || (job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1));
        logger.error(
          { id: job?.data?.id, jobId: job?.id, attempts: job?.attemptsMade, code: routeFailureCode(error), dead, err: error },
          dead ? 'routing failed; kept as a dead letter (mailsort queue list)' : 'routing failed; will retry',
        );
      });
      observeBullmq(worker, connection, 'route worker');
    },
    isReady: () => worker?.isRunning() ?? false,
    reload(next) {
      routing = next.routing;
    },
    async stopIntake() {},
    async closeWorkers() {
      await worker?.close();
    },
    async closeProducers() {
      await deliverQueue.close();
    },
  };
}

function routedTrace(decision: Decision, deliveries: DeliverJob[]): TraceEvent {
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
  };
}

/** A destination for the trace, without webhook URLs (they are secrets). */
function describe(delivery: DeliverJob): Record<string, unknown> {
  const { destination } = delivery;
  if (destination.kind === 'smtp') return { kind: 'smtp', upstream: destination.upstream, envelope: destination.envelope, rewrites: destination.rewrites };
  return { kind: 'webhook', host: new URL(destination.url).host, format: destination.format, style: destination.style };
}
