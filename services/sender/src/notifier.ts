import type { Queue } from 'bullmq';
import { jobId, newMessageId, type Config, type DeliverJob, type DeliveryResult, type Logger, type MessageLifecycle, type MessageStore, type RecipientOutcome } from '@mailsort/core';
import { deadLetterNotice } from './dead-letter-notice.js';

export interface NoticeFailure {
  upstream: string;
  reply: string;
  attempts: number;
  recipients: Record<string, RecipientOutcome>;
}

/**
 * When `delivery.dead_letters.notify` is set, every dead letter queues a bounce-like notice
 * as an ordinary stored message with one deliver job, so the notice is retried like any mail.
 * Mail from the null sender (which includes the notices themselves) never gets a notice.
 */
export function createNotifier({ config, store, lifecycle, queue, logger }: { config: Config; store: MessageStore; lifecycle: MessageLifecycle; queue: Queue; logger: Logger }) {
  const settings = config.delivery.dead_letters.notify;
  return async function notify(delivery: DeliverJob, result: DeliveryResult, failure: NoticeFailure): Promise<void> {
    if (!settings || delivery.original.from === '') return;
    const isNotice = delivery.original.from === settings.from && delivery.original.to.length === 1 && delivery.original.to[0] === settings.to;
    if (isNotice) return;
    const noticeId = newMessageId();
    const raw = deadLetterNotice(
      {
        delivery,
        result,
        ...failure,
        hostname: config.ingest.hostname,
        noticeId,
        to: settings.to,
        now: new Date(),
      },
      await store.get(delivery.id),
    );
    const envelope = { from: settings.from, to: [settings.to] };
    const job: DeliverJob = {
      v: 1,
      id: noticeId,
      deliveryId: jobId('deliver', noticeId, 0),
      acceptedAt: Date.now(),
      original: envelope,
      destination: { kind: 'smtp', upstream: settings.upstream ?? config.routing.default_upstream, envelope },
    };
    await lifecycle.accept(noticeId, raw);
    await lifecycle.route(noticeId, 1);
    await queue.add('dead-letter-notice', job, { jobId: job.deliveryId });
    logger.info({ id: delivery.id, deliveryId: delivery.deliveryId, notice: noticeId }, 'dead-letter notice queued');
  };
}
