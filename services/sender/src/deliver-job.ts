import { UnrecoverableError, type Job } from 'bullmq';
import {
  applyHeaderRewrites,
  type CanaryStore,
  deliverJobSchema,
  errorCodeOf,
  parseJob,
  type Config,
  type DeliverJob,
  type DeliveryResult,
  type DeliveryState,
  type DeliveryStates,
  type Logger,
  type MessageLifecycle,
  type OutcomeMetrics,
  type RecipientOutcome,
  type SenderMetrics,
} from '@mailsort/core';
import { decideAfterAttempt, type AfterAttempt, type Attempt } from './delivery-decision.js';
import { remainingRecipients } from './recipient-outcome.js';
import type { NoticeFailure } from './notifier.js';
import type { SmtpDelivery } from './smtp-delivery.js';
import { messageFacts, webhookBody } from './webhook-body.js';
import { postWebhook } from './webhook-delivery.js';

/** Thrown to let BullMQ retry the job after `delayMs` (read by the worker's backoff strategy). */
export class DeferredDelivery extends Error {
  readonly delayMs: number;

  constructor(message: string, delayMs: number) {
    super(message);
    this.name = 'DeferredDelivery';
    this.delayMs = delayMs;
  }
}

export interface DeliverDeps {
  config: Config;
  lifecycle: MessageLifecycle;
  smtp: SmtpDelivery;
  metrics: SenderMetrics;
  outcomes: OutcomeMetrics;
  logger: Logger;
  /** The delivery records, to notice a dead letter again whose sender died before it could. */
  states: DeliveryStates;
  /** Where a canary probe's result is told to the replica waiting for it. */
  canary: CanaryStore;
  /** Makes a dead letter's notice to a human (once per dead delivery: a repeat is a no-op). */
  notify: (delivery: DeliverJob, result: DeliveryResult, failure: NoticeFailure) => Promise<void>;
  /** Resolves once no Sentinel failover is under way (RedisFactory.whenNoFailover). */
  whenNoFailover: () => Promise<void>;
}

type Dead = Extract<AfterAttempt, { kind: 'dead' }>;

const WEBHOOK_LABEL = 'webhook';
// Long enough for any probe's waiter; a result nobody waits for goes with it.
const CANARY_RESULT_TTL_MS = 10 * 60_000;
const upstreamOf = (delivery: DeliverJob) => (delivery.destination.kind === 'smtp' ? delivery.destination.upstream : WEBHOOK_LABEL);

/**
 * One delivery attempt: begin it (the lifecycle answers delivered for a re-run the ledger
 * has), send to the recipients still open, let decideAfterAttempt say delivered, dead letter
 * (a failed BullMQ job whose message is kept for `queue show/retry/replay`) or retry, and
 * apply that through the lifecycle.
 */
export function createDeliverProcessor(deps: DeliverDeps) {
  const { config, lifecycle, smtp, metrics, outcomes, logger } = deps;
  const policy = { schedule: config.delivery.retry, maxLifetimeMs: config.delivery.max_lifetime };

  async function attemptSmtp(delivery: DeliverJob, raw: Buffer, recorded: Record<string, RecipientOutcome>): Promise<Attempt> {
    const destination = delivery.destination as Extract<DeliverJob['destination'], { kind: 'smtp' }>;
    if (!smtp.has(destination.upstream)) {
      return {
        upstream: destination.upstream,
        reply: `no upstream named ${destination.upstream} is configured`,
        verdict: { action: 'retry', scope: 'message', reason: 'upstream_unknown' },
        recipients: {},
      };
    }
    const to = remainingRecipients(recorded, destination.envelope.to);
    // A re-run after a crash that had already recorded every recipient: decide from the record.
    if (to.length === 0) return { upstream: destination.upstream, reply: 'every recipient already has an outcome', verdict: undefined, recipients: {} };
    let message: Buffer;
    try {
      message = applyHeaderRewrites(raw, destination.rewrites);
    } catch (error) {
      return { upstream: destination.upstream, reply: (error as Error).message, verdict: { action: 'fail', scope: 'message', reason: 'invalid_rewrite' }, recipients: {} };
    }
    return smtp.send(destination.upstream, { from: destination.envelope.from, to }, message, { canary: delivery.canary !== undefined });
  }

  async function attemptWebhook(delivery: DeliverJob, raw: Buffer): Promise<Attempt> {
    const destination = delivery.destination as Extract<DeliverJob['destination'], { kind: 'webhook' }>;
    const started = Date.now();
    const body = webhookBody(destination.format, destination.style, await messageFacts(raw), { ...delivery, envelope: delivery.original });
    const result = await postWebhook(destination.url, body, config.delivery.webhook_timeout);
    metrics.deliveryDuration.observe({ upstream: WEBHOOK_LABEL }, (Date.now() - started) / 1000);
    return { upstream: WEBHOOK_LABEL, reply: result.reply, verdict: result.verdict, recipients: {} };
  }

  /** An attempt that threw (a parser, a Redis hiccup) is a temporary failure like any other: the retry schedule and the lifetime still apply. */
  async function attemptSafely(delivery: DeliverJob, raw: Buffer | null, recorded: Record<string, RecipientOutcome>): Promise<Attempt> {
    if (!raw) return { upstream: upstreamOf(delivery), reply: `stored message ${delivery.id} is missing`, verdict: { action: 'fail', scope: 'message', reason: 'message_missing' }, recipients: {} };
    try {
      return delivery.destination.kind === 'smtp' ? await attemptSmtp(delivery, raw, recorded) : await attemptWebhook(delivery, raw);
    } catch (error) {
      logger.error({ id: delivery.id, deliveryId: delivery.deliveryId, code: errorCodeOf(error) ?? 'DELIVERY_TEMPORARY', err: error }, 'delivery attempt failed unexpectedly');
      return { upstream: upstreamOf(delivery), reply: `internal error: ${(error as Error).message}`, verdict: { action: 'retry', scope: 'message', reason: 'internal' }, recipients: {} };
    }
  }

  async function delivered(delivery: DeliverJob, state: DeliveryState, attempt: Attempt): Promise<string> {
    metrics.deliveries.inc({ result: 'delivered', upstream: attempt.upstream });
    metrics.acceptToDelivered.observe((Date.now() - delivery.acceptedAt) / 1000);
    // One atomic call, the first write after the 250: a crash from here on does not send it
    // again. Not on a master the Sentinels are replacing: the switch would throw it away.
    await deps.whenNoFailover();
    const now = Date.now();
    const done = await lifecycle.deliver(
      delivery.id,
      delivery.deliveryId,
      { at: now, upstream: attempt.upstream, reply: attempt.reply, result: 'delivered', recipients: attempt.recipients },
      { at: now, service: 'sender', event: 'delivered', deliveryId: delivery.deliveryId, upstream: attempt.upstream, reply: attempt.reply },
    );
    if (done.ok && done.counted && done.left <= 0) outcomes.finished.inc({ outcome: 'delivered', reason: '' });
    if (delivery.notice && done.ok) metrics.escalations.inc({ result: 'delivered' });
    logger.info(
      {
        id: delivery.id,
        deliveryId: delivery.deliveryId,
        upstream: attempt.upstream,
        reply: attempt.reply,
        attempts: state.attempts,
        result: 'delivered',
        ...(done.ok ? {} : { code: 'TRANSITION_REFUSED', from: done.from }),
      },
      'delivered',
    );
    return attempt.reply;
  }

  async function deadLetter(delivery: DeliverJob, attempts: number, upstream: string, dead: Dead): Promise<never> {
    const { result, reply, recipients } = dead;
    const now = Date.now();
    await lifecycle.deadLetter(delivery.id, delivery.deliveryId, { at: now, upstream, reply, reason: dead.reason, result, recipients }, config.delivery.dead_letters.keep_for, {
      at: now,
      service: 'sender',
      event: 'failed',
      deliveryId: delivery.deliveryId,
      result,
      upstream,
      reply,
    });
    metrics.deliveries.inc({ result, upstream });
    outcomes.finished.inc({ outcome: 'failed', reason: result });
    logger.error({ id: delivery.id, deliveryId: delivery.deliveryId, code: dead.code, result, upstream, reply }, 'delivery failed; kept as a dead letter');
    if (delivery.notice) {
      // A notice that dies is never noticed again (no loops): counted, logged, and listed like any dead letter.
      metrics.escalations.inc({ result: 'failed' });
      logger.error({ id: delivery.id, deliveryId: delivery.deliveryId, code: 'NOTICE_FAILED', result, upstream, reply }, 'a dead-letter notice failed too; the dead letters stay listed');
    }
    await notifySafely(delivery, result, { upstream, reply, attempts, recipients });
    throw new UnrecoverableError(`${result}: ${reply}`);
  }

  async function notifySafely(delivery: DeliverJob, result: DeliveryResult, failure: NoticeFailure): Promise<void> {
    await deps.notify(delivery, result, failure).catch((error: unknown) => {
      logger.error({ id: delivery.id, deliveryId: delivery.deliveryId, code: 'NOTICE_FAILED', err: error }, 'could not queue the dead-letter notice; the dead letter stays listed');
    });
  }

  /** A dead letter's job run again: its sender may have died between the dead letter and its notice, so notice it (a made notice is not made twice). */
  async function noticeAgain(delivery: DeliverJob): Promise<void> {
    const state = await deps.states.get(delivery.deliveryId);
    if (!state || state.result === undefined || state.result === 'delivered' || state.result === 'deferred') return;
    await notifySafely(delivery, state.result, { upstream: state.lastUpstream ?? upstreamOf(delivery), reply: state.lastReply ?? '', attempts: state.attempts, recipients: state.recipients });
  }

  async function retry(delivery: DeliverJob, state: DeliveryState, attempt: Attempt, decision: Extract<AfterAttempt, { kind: 'retry' }>): Promise<never> {
    await lifecycle.defer(delivery.deliveryId, { at: Date.now(), upstream: attempt.upstream, reply: attempt.reply, reason: decision.reason, result: 'deferred', recipients: attempt.recipients });
    metrics.deliveries.inc({ result: 'deferred', upstream: attempt.upstream });
    logger.warn(
      {
        id: delivery.id,
        deliveryId: delivery.deliveryId,
        code: decision.code,
        upstream: attempt.upstream,
        reply: attempt.reply,
        reason: attempt.verdict?.reason,
        attempts: state.attempts,
        retryInMs: decision.delayMs,
      },
      'delivery deferred',
    );
    throw new DeferredDelivery(`deferred: ${attempt.reply}`, decision.delayMs);
  }

  /**
   * A canary probe gets one attempt: its result is the probe's, told to the waiting replica.
   * It is never retried, dead-lettered or counted; a failed one is deleted at once.
   */
  async function finishCanary(delivery: DeliverJob, attempt: Attempt, ok: boolean): Promise<string> {
    const now = Date.now();
    const trace = { at: now, service: 'sender', event: ok ? 'delivered' : 'canary failed', deliveryId: delivery.deliveryId, upstream: attempt.upstream, reply: attempt.reply } as const;
    if (ok) await lifecycle.deliver(delivery.id, delivery.deliveryId, { at: now, upstream: attempt.upstream, reply: attempt.reply, result: 'delivered', recipients: attempt.recipients }, trace);
    else await lifecycle.delete(delivery.id, delivery.deliveryId, trace);
    await deps.canary.complete(delivery.canary!, { result: ok ? 'delivered' : 'failed', reply: attempt.reply, at: now, acceptedAt: delivery.acceptedAt }, CANARY_RESULT_TTL_MS);
    const log = { id: delivery.id, deliveryId: delivery.deliveryId, probe: delivery.canary, upstream: attempt.upstream, reply: attempt.reply };
    if (ok) logger.info(log, 'canary probe delivered');
    else logger.warn({ ...log, code: 'CANARY_FAILED' }, 'canary probe not delivered');
    return attempt.reply;
  }

  return async function processDelivery(job: Job): Promise<string> {
    const delivery: DeliverJob = parseJob(deliverJobSchema, job);
    const log = { id: delivery.id, deliveryId: delivery.deliveryId };
    // During a Sentinel failover the old master still hands out jobs, and what is done there
    // is thrown away at the switch: start after it, on the new master.
    await deps.whenNoFailover();
    const begun = await lifecycle.begin(delivery.id, delivery.deliveryId, Date.now());
    if (!begun.ok) {
      // A dead letter's job run again (its sender died before BullMQ marked it failed): it stays dead, unsent.
      logger.warn({ ...log, code: 'TRANSITION_REFUSED', from: begun.from }, 'delivery is a dead letter already; not sending again');
      if (begun.from === 'dead') await noticeAgain(delivery);
      throw new UnrecoverableError(`already a dead letter (${begun.from})`);
    }
    if ('delivered' in begun) {
      if (!delivery.canary && begun.delivered.counted && begun.delivered.left <= 0) outcomes.finished.inc({ outcome: 'delivered', reason: '' });
      logger.info(log, 'already delivered; not sending again');
      return 'already delivered';
    }
    const { state, raw } = begun.attempt;
    const attempt = await attemptSafely(delivery, raw, state.recipients);
    const decision = decideAfterAttempt({ state, attempt, destination: delivery.destination, now: Date.now(), policy });
    if (delivery.canary !== undefined) return finishCanary(delivery, attempt, decision.kind === 'delivered');
    if (decision.kind === 'delivered') return delivered(delivery, state, attempt);
    if (decision.kind === 'dead') return deadLetter(delivery, state.attempts, attempt.upstream, decision);
    return retry(delivery, state, attempt, decision);
  };
}
