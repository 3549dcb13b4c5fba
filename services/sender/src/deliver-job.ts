import { UnrecoverableError, type Job } from 'bullmq';
import {
  applyHeaderRewrites, deliverJobSchema, errorCodeOf, parseJob, type Config, type DeliverJob, type DeliveryResult,
  type DeliveryStates, type Logger, type OutcomeMetrics, type RecipientOutcome, type SenderMetrics, type TraceStore,
} from '@mailsort/core';
import type { Verdict } from './classify-error.js';
import { outcomeOf, remainingRecipients } from './recipient-outcome.js';
import { nextRetry } from './retry-schedule.js';
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
  states: DeliveryStates;
  traces: TraceStore;
  smtp: SmtpDelivery;
  metrics: SenderMetrics;
  outcomes: OutcomeMetrics;
  logger: Logger;
  /** Queues the optional bounce-like notice for a dead letter. */
  notify: (delivery: DeliverJob, result: DeliveryResult, failure: NoticeFailure) => Promise<void>;
}

interface Attempt {
  upstream: string;
  reply: string;
  verdict: Verdict | undefined;
  recipients: Record<string, RecipientOutcome>;
}

const WEBHOOK_LABEL = 'webhook';

/**
 * One delivery attempt: skip it if the ledger says it was delivered, send to the recipients
 * still open, record what each got, then finish, retry on the schedule, or keep it as a dead
 * letter (a failed BullMQ job whose message is kept for `queue show/retry/replay`).
 */
export function createDeliverProcessor(deps: DeliverDeps) {
  const { config, states, traces, smtp, metrics, outcomes, logger } = deps;
  const policy = { schedule: config.delivery.retry, maxLifetimeMs: config.delivery.max_lifetime };

  function countFinished(left: number, counted: boolean): void {
    if (counted && left <= 0) outcomes.finished.inc({ outcome: 'delivered', reason: '' });
  }

  async function finish(delivery: DeliverJob): Promise<void> {
    const { left, counted } = await states.finish(delivery.id, delivery.deliveryId);
    countFinished(left, counted);
  }

  async function attemptSmtp(delivery: DeliverJob, raw: Buffer, recorded: Record<string, RecipientOutcome>): Promise<Attempt> {
    const destination = delivery.destination as Extract<DeliverJob['destination'], { kind: 'smtp' }>;
    if (!smtp.has(destination.upstream)) {
      return { upstream: destination.upstream, reply: `no upstream named ${destination.upstream} is configured`, verdict: { action: 'retry', scope: 'message', reason: 'upstream_unknown' }, recipients: {} };
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
    const attempt = await smtp.send(destination.upstream, { from: destination.envelope.from, to }, message);
    return { ...attempt, verdict: attempt.verdict };
  }

  async function attemptWebhook(delivery: DeliverJob, raw: Buffer): Promise<Attempt> {
    const destination = delivery.destination as Extract<DeliverJob['destination'], { kind: 'webhook' }>;
    const started = Date.now();
    const body = webhookBody(destination.format, destination.style, await messageFacts(raw), { ...delivery, envelope: delivery.original });
    const result = await postWebhook(destination.url, body, config.delivery.webhook_timeout);
    metrics.deliveryDuration.observe({ upstream: WEBHOOK_LABEL }, (Date.now() - started) / 1000);
    return { upstream: WEBHOOK_LABEL, reply: result.reply, verdict: result.verdict, recipients: {} };
  }

  async function deadLetter(delivery: DeliverJob, attempts: number, result: DeliveryResult, attempt: Attempt, code: 'DELIVERY_PERMANENT' | 'DELIVERY_EXPIRED' | 'MESSAGE_MISSING'): Promise<never> {
    const keepFor = config.delivery.dead_letters.keep_for;
    await states.record(delivery.deliveryId, { at: Date.now(), upstream: attempt.upstream, reply: attempt.reply, reason: attempt.verdict?.reason ?? result, result, recipients: attempt.recipients });
    await states.keep(delivery.deliveryId, keepFor);
    await states.keepMessage(delivery.id, keepFor);
    metrics.deliveries.inc({ result, upstream: attempt.upstream });
    outcomes.finished.inc({ outcome: 'failed', reason: result });
    await traces.append(delivery.id, { at: Date.now(), service: 'sender', event: 'failed', deliveryId: delivery.deliveryId, result, upstream: attempt.upstream, reply: attempt.reply });
    logger.error({ id: delivery.id, deliveryId: delivery.deliveryId, code, result, upstream: attempt.upstream, reply: attempt.reply }, 'delivery failed; kept as a dead letter');
    await deps.notify(delivery, result, { upstream: attempt.upstream, reply: attempt.reply, attempts, recipients: attempt.recipients }).catch((error: unknown) => {
      logger.error({ id: delivery.id, deliveryId: delivery.deliveryId, code: 'REDIS_UNAVAILABLE', err: error }, 'could not queue the dead-letter notice');
    });
    throw new UnrecoverableError(`${result}: ${attempt.reply}`);
  }

  /** An attempt that threw (a parser, a Redis hiccup) is a temporary failure like any other: the retry schedule and the lifetime still apply. */
  async function attemptSafely(delivery: DeliverJob, raw: Buffer, recorded: Record<string, RecipientOutcome>): Promise<Attempt> {
    try {
      return delivery.destination.kind === 'smtp' ? await attemptSmtp(delivery, raw, recorded) : await attemptWebhook(delivery, raw);
    } catch (error) {
      const upstream = delivery.destination.kind === 'smtp' ? delivery.destination.upstream : WEBHOOK_LABEL;
      logger.error({ id: delivery.id, deliveryId: delivery.deliveryId, code: errorCodeOf(error) ?? 'DELIVERY_TEMPORARY', err: error }, 'delivery attempt failed unexpectedly');
      return { upstream, reply: `internal error: ${(error as Error).message}`, verdict: { action: 'retry', scope: 'message', reason: 'internal' }, recipients: {} };
    }
  }

  return async function processDelivery(job: Job): Promise<string> {
    const delivery: DeliverJob = parseJob(deliverJobSchema, job);
    const log = { id: delivery.id, deliveryId: delivery.deliveryId };
    const { delivered, state, raw } = await states.begin(delivery.id, delivery.deliveryId, Date.now());
    if (delivered) {
      await finish(delivery);
      logger.info(log, 'already delivered; not sending again');
      return 'already delivered';
    }
    if (!raw) {
      await deadLetter(delivery, state.attempts, 'failed', { upstream: delivery.destination.kind === 'smtp' ? delivery.destination.upstream : WEBHOOK_LABEL, reply: `stored message ${delivery.id} is missing`, verdict: { action: 'fail', scope: 'message', reason: 'message_missing' }, recipients: {} }, 'MESSAGE_MISSING');
    }
    const attempt = await attemptSafely(delivery, raw!, state.recipients);
    const recipients = { ...state.recipients, ...attempt.recipients };
    const perRecipient = delivery.destination.kind === 'smtp' && (attempt.verdict === undefined || Object.keys(attempt.recipients).length > 0);
    const result = perRecipient
      ? outcomeOf(recipients, (delivery.destination as Extract<DeliverJob['destination'], { kind: 'smtp' }>).envelope.to)
      : attempt.verdict ? (attempt.verdict.action === 'fail' ? 'failed' : 'deferred') : 'delivered';

    if (result === 'delivered') {
      metrics.deliveries.inc({ result, upstream: attempt.upstream });
      metrics.acceptToDelivered.observe((Date.now() - delivery.acceptedAt) / 1000);
      // One atomic call, the first write after the 250: a crash from here on does not send it again.
      const now = Date.now();
      const { left, counted } = await states.recordDelivered(
        delivery.id, delivery.deliveryId,
        { at: now, upstream: attempt.upstream, reply: attempt.reply, result, recipients: attempt.recipients },
        { at: now, service: 'sender', event: 'delivered', deliveryId: delivery.deliveryId, upstream: attempt.upstream, reply: attempt.reply },
      );
      countFinished(left, counted);
      logger.info({ ...log, upstream: attempt.upstream, reply: attempt.reply, attempts: state.attempts, result }, 'delivered');
      return attempt.reply;
    }
    if (result === 'partial' || result === 'failed') {
      const rejection = Object.values(recipients).find((outcome) => outcome.status === 'rejected');
      const reply = attempt.verdict || !rejection ? attempt.reply : rejection.reply;
      return deadLetter(delivery, state.attempts, result, { ...attempt, reply, recipients }, 'DELIVERY_PERMANENT');
    }

    const decision = nextRetry(policy, state.attempts, state.firstAttemptAt ?? Date.now(), Date.now());
    if (!decision.retry) return deadLetter(delivery, state.attempts, 'expired', { ...attempt, recipients }, 'DELIVERY_EXPIRED');
    await states.record(delivery.deliveryId, { at: Date.now(), upstream: attempt.upstream, reply: attempt.reply, reason: attempt.verdict?.reason ?? 'deferred', result: 'deferred', recipients: attempt.recipients });
    metrics.deliveries.inc({ result: 'deferred', upstream: attempt.upstream });
    logger.warn({ ...log, code: attempt.verdict?.reason === 'upstream_unknown' ? 'UPSTREAM_UNKNOWN' : 'DELIVERY_TEMPORARY', upstream: attempt.upstream, reply: attempt.reply, reason: attempt.verdict?.reason, attempts: state.attempts, retryInMs: decision.delayMs }, 'delivery deferred');
    throw new DeferredDelivery(`deferred: ${attempt.reply}`, decision.delayMs);
  };
}
