import { randomUUID } from 'node:crypto';
import {
  addBody,
  assess,
  createExpectationMetrics,
  createExpectationStore,
  decide,
  EXPECTATION_STATUSES,
  expectationKind,
  expectationsNeedBody,
  jobId,
  lastPing,
  matchExpectations,
  noticeId,
  noticeMail,
  noticeSubject,
  notifyRecipients,
  storeKeys,
  type AlertEvent,
  type AlertRecord,
  type Config,
  type KeyPrefix,
  type DeliverJob,
  type EvaluationContext,
  type ExpectationConfig,
  type ExpectationStatus,
  type GocdState,
  type InstanceState,
  type Logger,
  type MessageFacts,
  type MessageLifecycle,
  type MessageStore,
  type RouteJob,
  type ServiceDeps,
} from '@mailsort/core';
import { composedSender } from './composed-mail.js';

export interface ExpectationDeps {
  redis: ReturnType<ServiceDeps['redis']['connect']>;
  prefix: KeyPrefix;
  lifecycle: MessageLifecycle;
  store: MessageStore;
  gocd: GocdState;
  enqueue: (deliveries: DeliverJob[]) => Promise<unknown>;
  registry: ServiceDeps['registry'];
  logger: Logger;
  /** The Message-ID domain (ingest.hostname), the same on every replica. */
  domain: string;
  /** The routing in force now (a reload swaps it). */
  routing: () => Config['routing'];
}

// The checker looks this often: a fifth of the shortest grace (or period), within these bounds.
const MIN_TICK_MS = 1_000;
const MAX_TICK_MS = 30_000;

function tickMs(expectations: readonly ExpectationConfig[]): number {
  const shortest = Math.min(...expectations.map((e) => (e.grace > 0 ? Math.min(e.grace, e.every) : e.every)));
  return Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, Math.floor(shortest / 5)));
}

/**
 * The dead-man's switch in the router (docs/guards.md): every routed mail is recorded against the
 * expectations it matches, and one replica per interval (a Redis lock) checks them and mails
 * missed / reminder / back-to-normal notices, each made once (deterministic ids, compare-and-set).
 */
export function createExpectations({ redis, prefix, lifecycle, store, gocd, enqueue, registry, logger, domain, routing }: ExpectationDeps) {
  const states = createExpectationStore(redis, prefix);
  const metrics = createExpectationMetrics(
    registry,
    routing().expect.map((e) => e.name),
  );
  const lockKey = storeKeys(prefix).expectCheckLock();
  const token = randomUUID();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  /** Records the mail's pings; routing does not depend on it (it runs after the decision). */
  async function observe(message: RouteJob, facts: MessageFacts, context: EvaluationContext, alert: AlertEvent): Promise<void> {
    const expectations = routing().expect;
    if (expectations.length === 0) return;
    let seen = facts;
    if (facts.body === undefined && facts.bodyProblem === undefined && expectationsNeedBody(expectations)) {
      seen = { ...facts };
      await addBody(seen, await store.get(message.id));
    }
    let seenContext = context;
    if (context.groups === null && expectations.some((e) => expectationKind(e.match) === 'gocd')) {
      seenContext = { ...context, groups: (await gocd.readSnapshot())?.groups ?? null };
    }
    const { pings, misses } = matchExpectations(expectations, seen, seenContext, alert);
    for (const ping of pings) {
      if (!(await states.ping(ping, message.acceptedAt)))
        logger.warn({ id: message.id, expectation: ping.expectation, code: 'EXPECT_HOSTS_LIMIT' }, 'expectation has too many hosts already; this new one is not tracked');
    }
    for (const miss of misses) logger.debug({ id: message.id, expectation: miss.expectation, reason: miss.reason }, 'mail matched an expectation but counts for nothing');
  }

  async function notify(expectation: ExpectationConfig, state: InstanceState, record: AlertRecord, decision: ReturnType<typeof decide>, now: number): Promise<AlertRecord> {
    const notice = decision.notice!;
    const root = notice.index === 0;
    const firstSubject = root ? noticeSubject(expectation.name, state.instance, expectation.per, notice.kind as 'missing' | 'failing') : (record.subject ?? expectation.name);
    const since = root ? now : (record.since ?? now);
    const to = notifyRecipients(expectation.notify);
    const from = composedSender(routing().composed_from, domain);
    const id = noticeId(expectation.name, state.instance, notice);
    const { raw, headers } = await noticeMail({
      expectation: expectation.name,
      instance: state.instance,
      per: expectation.per,
      timing: expectation,
      seen: state.seen,
      notice,
      now,
      since,
      firstSubject,
      from,
      to,
      domain,
    });
    const destination = { kind: 'smtp' as const, upstream: routing().default_upstream, envelope: { from, to }, rewrites: { set: headers, remove: [] } };
    const deliveries: DeliverJob[] = [{ v: 1, id, deliveryId: jobId('deliver', id, 0), acceptedAt: now, original: { from, to }, destination }];
    // Made before (a checker died after making it): hand it on again only while it still exists.
    if (await store.notificationMade(id)) {
      if (await store.exists(id)) await enqueue(deliveries);
    } else {
      const trace = {
        at: now,
        service: 'router' as const,
        event: 'notification',
        kind: 'expectation',
        expectation: expectation.name,
        instance: state.instance,
        notice: notice.kind,
        outage: notice.outage,
        index: notice.index,
      };
      const made = await lifecycle.create(id, raw, deliveries.length, trace);
      if (made.ok || made.from !== 'gone') await enqueue(deliveries);
      logger.info({ id, expectation: expectation.name, instance: state.instance, notice: notice.kind, status: decision.status }, `expectation notice: ${notice.kind}`);
    }
    return root ? { ...decision.next, since, subject: firstSubject } : decision.next;
  }

  async function check(expectation: ExpectationConfig, state: InstanceState, now: number): Promise<void> {
    // An instance the checker meets for the first time is counted from now (one that never mailed).
    const record = state.record ?? { state: 'ok', outage: 0, index: 0, watching: now };
    const decision = decide(now, state.seen, expectation, record);
    if (!decision.notice) {
      if (!state.record) await states.swap(expectation.name, state.instance, '', record);
      return;
    }
    const next = await notify(expectation, state, record, decision, now);
    const moved = await states.swap(expectation.name, state.instance, state.stored, next);
    if (moved && decision.notice.index === 0) metrics.missed.inc({ expectation: expectation.name, state: decision.notice.kind });
  }

  function refreshGauges(read: Array<[ExpectationConfig, InstanceState[]]>, now: number): void {
    metrics.hosts.reset();
    metrics.lastSeen.reset();
    for (const [expectation, instances] of read) {
      const counts = Object.fromEntries(EXPECTATION_STATUSES.map((status) => [status, 0])) as Record<ExpectationStatus, number>;
      let oldest: number | undefined;
      for (const state of instances) {
        counts[assess(now, state.seen, expectation, state.record)]++;
        const last = lastPing(state.seen, state.record);
        if (last !== undefined) oldest = Math.min(oldest ?? last, last);
      }
      for (const status of EXPECTATION_STATUSES) metrics.hosts.set({ expectation: expectation.name, state: status }, counts[status]);
      if (oldest !== undefined) metrics.lastSeen.set({ expectation: expectation.name }, oldest / 1000);
    }
  }

  async function tick(): Promise<void> {
    const expectations = routing().expect;
    if (expectations.length === 0) return;
    const turn = (await redis.set(lockKey, token, 'PX', Math.max(50, Math.floor(tickMs(expectations) * 0.9)), 'NX')) === 'OK';
    const now = Date.now();
    const read: Array<[ExpectationConfig, InstanceState[]]> = [];
    for (const expectation of expectations) read.push([expectation, await states.read(expectation.name)]);
    // Every replica exports the gauges (Prometheus takes the max); only the lock holder acts.
    refreshGauges(read, now);
    if (!turn) return;
    for (const [expectation, instances] of read) {
      for (const state of instances) await check(expectation, state, now);
    }
  }

  function schedule(): void {
    if (stopped) return;
    const expectations = routing().expect;
    timer = setTimeout(
      () => {
        running = tick()
          .catch((error: unknown) => logger.warn({ code: 'EXPECT_CHECK_FAILED', err: error }, 'could not check the expectations; trying again next interval'))
          .finally(schedule);
      },
      expectations.length > 0 ? tickMs(expectations) : MAX_TICK_MS,
    );
    timer.unref();
  }

  return {
    observe,
    /** One check now, whatever the timer (tests). */
    tick,
    start(): void {
      stopped = false;
      schedule();
    },
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

export type Expectations = ReturnType<typeof createExpectations>;
