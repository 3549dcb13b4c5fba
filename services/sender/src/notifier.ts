import {
  keyspaceOf,
  storeKeys,
  type Config,
  type DeadContact,
  type DeliverJob,
  type DeliveryResult,
  type Logger,
  type MessageLifecycle,
  type MessageStore,
  type RecipientOutcome,
  type RedisFactory,
  type SenderMetrics,
  type ShardQueues,
} from '@mailsort/core';
import { deadLetterNotice } from './dead-letter-notice.js';
import { contactKey, noticeIdOf, noticeJobs, noticeTargets, noticeUpstream, rateWindow, withinLimit } from './notice-plan.js';

export interface NoticeFailure {
  upstream: string;
  reply: string;
  attempts: number;
  recipients: Record<string, RecipientOutcome>;
}

export interface NotifierDeps {
  config: Config;
  store: MessageStore;
  lifecycle: MessageLifecycle;
  /** The deliver queues: a notice goes to the shard of the dead delivery it is about (its id embeds it). */
  queues: ShardQueues;
  redis: Redis;
  metrics: SenderMetrics;
  logger: Logger;
}

type Redis = ReturnType<RedisFactory['connect']>;
type Single = { kind: 'mailto'; address: string } | Extract<DeadContact, { kind: 'webhook' }>;

/**
 * Dead letters reach a human (docs/guards.md). Every dead letter makes one notice: the
 * original with a note saying why, to the route's on_dead contacts or the global fallback,
 * over another upstream (or a webhook). It is an ordinary stored message with deliver jobs,
 * so it is retried like any mail; its id comes from the dead delivery's, so however often the
 * sender re-runs, it is made once. Each contact gets at most `per_contact` per window.
 */
export function createNotifier({ config, store, lifecycle, queues, redis, metrics, logger }: NotifierDeps) {
  const settings = config.delivery.dead_letters.notify;
  const keys = storeKeys(keyspaceOf(config.redis));
  const upstreams = config.upstreams.map((upstream) => upstream.name);

  /** Counts this notice against each contact's window; the contacts over their limit are left out, counted and logged. */
  async function underLimit(delivery: DeliverJob, contacts: readonly DeadContact[]): Promise<DeadContact[]> {
    const singles = contacts.flatMap((contact): Single[] => (contact.kind === 'mailto' ? contact.to.map((address) => ({ kind: 'mailto' as const, address })) : [contact]));
    const window = rateWindow(Date.now(), settings.window);
    const multi = redis.multi();
    for (const contact of singles) multi.incr(keys.escalationRate(contactKey(contact), window)).pexpire(keys.escalationRate(contactKey(contact), window), settings.window);
    const replies = (await multi.exec()) ?? [];
    const counted = singles.map((contact, index) => ({ contact, count: Number(replies[index * 2]?.[1] ?? 0) }));
    const { allowed, limited } = withinLimit(counted, settings.per_contact);
    for (const contact of limited) {
      metrics.escalations.inc({ result: 'rate_limited' });
      logger.warn(
        {
          id: delivery.id,
          deliveryId: delivery.deliveryId,
          code: 'NOTICE_RATE_LIMITED',
          contact: contact.kind === 'mailto' ? contact.address : 'webhook',
          perContact: settings.per_contact,
          windowMs: settings.window,
        },
        'dead-letter notice not sent to a contact over its limit; the dead letter stays listed',
      );
    }
    const to = allowed.flatMap((contact) => (contact.kind === 'mailto' ? [contact.address] : []));
    return [...(to.length > 0 ? [{ kind: 'mailto' as const, to }] : []), ...allowed.filter((contact): contact is Extract<Single, { kind: 'webhook' }> => contact.kind === 'webhook')];
  }

  async function notify(delivery: DeliverJob, result: DeliveryResult, failure: NoticeFailure): Promise<void> {
    const targets = noticeTargets(delivery, settings);
    if (targets.kind === 'none') return;
    const noticeId = noticeIdOf(delivery.deliveryId);
    const log = { id: delivery.id, deliveryId: delivery.deliveryId, notice: noticeId };
    if (await store.notificationMade(noticeId)) {
      metrics.escalations.inc({ result: 'duplicate' });
      logger.info(log, 'dead-letter notice made before; not made again');
      return;
    }
    const contacts = await underLimit(delivery, targets.contacts);
    if (contacts.length === 0) return;
    const upstream = noticeUpstream(failure.upstream, settings.upstream, upstreams);
    const otherwiseTo = settings.to ? [settings.to] : delivery.original.to;
    const jobs = noticeJobs(noticeId, contacts, settings.from, upstream, Date.now(), otherwiseTo);
    const raw = deadLetterNotice({ delivery, result, ...failure, hostname: config.ingest.hostname, noticeId, to: jobs[0]!.original.to, now: new Date() }, await store.get(delivery.id));
    const made = await lifecycle.create(noticeId, raw, jobs.length, { at: Date.now(), service: 'sender', event: 'notice', deliveryId: delivery.deliveryId, upstream });
    if (!made.ok) {
      metrics.escalations.inc({ result: 'duplicate' });
      // Made by a sender that died before queueing it: the adds below are no-ops for jobs that exist.
      if (made.from === 'gone') return;
    }
    await queues.forId(noticeId).addBulk(jobs.map((job) => ({ name: 'dead-letter-notice', data: job, opts: { jobId: job.deliveryId } })));
    if (made.ok) metrics.escalations.inc({ result: 'queued' });
    logger.info({ ...log, upstream, contacts: contacts.map((contact) => (contact.kind === 'mailto' ? contact.to.join(', ') : 'webhook')) }, 'dead-letter notice queued');
  }

  return async function notifyOnce(delivery: DeliverJob, result: DeliveryResult, failure: NoticeFailure): Promise<void> {
    try {
      await notify(delivery, result, failure);
    } catch (error) {
      metrics.escalations.inc({ result: 'failed' });
      throw error;
    }
  };
}
