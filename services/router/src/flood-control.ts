import type { Queue } from 'bullmq';
import {
  digestAlerts,
  digestMail,
  digestSubject,
  floodBucket,
  floodWindow,
  jobId,
  type AlertEvent,
  type DeliverJob,
  type Destination,
  type FloodStore,
  type Logger,
  type MessageLifecycle,
  type MessageStore,
  type OutcomeMetrics,
  type RouteFloodControl,
  type RouteJob,
  type RouterMetrics,
} from '@mailsort/core';
import { attachable, composedDestination, composedEnvelope } from './composed-mail.js';

// A window's digest runs this long after the window ends, so a mail admitted in its last moment is in it.
const DIGEST_DELAY_MS = 1000;
// A held mail's subject as the digest lists it: enough to read, bounded in Redis however long the header was.
const LISTED_SUBJECT_CHARS = 200;

export interface FloodControlDeps {
  store: MessageStore;
  flood: FloodStore;
  lifecycle: MessageLifecycle;
  digestQueue: Queue;
  enqueue: (deliveries: DeliverJob[]) => Promise<unknown>;
  metrics: RouterMetrics;
  outcomes: OutcomeMetrics;
  logger: Logger;
  /** mailsort's own sender (the envelope and From of digests), as the routing in force says. */
  sender: () => string;
}

const limitText = ({ count, perMs }: { count: number; perMs: number }) => `${count} per ${perMs >= 60_000 ? `${perMs / 60_000}m` : `${perMs / 1000}s`}`;

/**
 * Flood control (docs/guards.md): each delivery to a limited destination is admitted or held
 * in its bucket's window, one bucket in Redis for every replica; at the window's end one digest
 * carries every held mail. Nothing is dropped: a held delivery ends in the digest.
 */
export function createFloodControl({ store, flood, lifecycle, digestQueue, enqueue, metrics, outcomes, logger, sender }: FloodControlDeps) {
  async function scheduleDigest(bucket: string, window: number, endsAt: number): Promise<void> {
    await digestQueue.add('digest', { v: 1, bucket, window }, { jobId: jobId('digest', bucket, window), delay: Math.max(0, endsAt + DIGEST_DELAY_MS - Date.now()) });
  }

  const digestDelivery = (id: string, destination: Destination): DeliverJob => ({
    v: 1,
    id,
    deliveryId: jobId('deliver', id, 0),
    acceptedAt: Date.now(),
    original: composedEnvelope([destination], sender()),
    destination,
  });

  return {
    /** The deliveries to enqueue now; the others wait for their digest (their part is finished by it). */
    async admit(message: RouteJob, alert: AlertEvent, control: RouteFloodControl, deliveries: DeliverJob[], controlled: ReadonlySet<string>): Promise<DeliverJob[]> {
      const now: DeliverJob[] = [];
      for (const delivery of deliveries) {
        if (!controlled.has(delivery.deliveryId)) {
          now.push(delivery);
          continue;
        }
        const { perMs, count } = control.settings.limit;
        const bucket = floodBucket(control, delivery.destination);
        const { window } = floodWindow(perMs, Date.now());
        const subject = alert.summary.slice(0, LISTED_SUBJECT_CHARS);
        const held = {
          id: message.id,
          deliveryId: delivery.deliveryId,
          at: message.acceptedAt,
          subject,
          key: alert.key,
          source: alert.source,
          status: alert.status,
          severity: alert.severity,
          summary: subject,
        };
        // Only where the bucket sends, from mailsort: the digest never takes the envelope of whichever mail came last.
        const destination = composedDestination(delivery.destination, sender());
        const digest = { destination, attachMax: control.settings.attach_max, perMs, limit: limitText(control.settings.limit) };
        const result = await flood.admit({ bucket, window, perMs, deliveryId: delivery.deliveryId, limit: count, bypass: control.bypass !== null, held, digest });
        if (result.decision === 'held') {
          metrics.floodHeld.inc();
          await scheduleDigest(bucket, result.window, floodWindow(perMs, result.window * perMs).endsAt);
          logger.info({ id: message.id, deliveryId: delivery.deliveryId, bucket, window: result.window }, "over its flood-control limit: held for the window's digest");
          continue;
        }
        if (result.decision === 'bypassed' && control.bypass) metrics.floodBypassed.inc({ reason: control.bypass });
        now.push(delivery);
      }
      return now;
    },

    /** One window's digest: closed (later mails count in the next), made once, then each held delivery finished. */
    async digest(bucket: string, window: number): Promise<void> {
      const where = await flood.destination(bucket);
      if (!where) {
        logger.error({ bucket, window, code: 'MESSAGE_MISSING' }, 'a flood-control bucket lost its destination; its held mails stay listed until they expire');
        return flood.done(bucket, window);
      }
      const held = await flood.close(bucket, window, where.perMs);
      if (held.length === 0) return flood.done(bucket, window);
      const id = `${bucket}-${window}`;
      if (!(await store.notificationMade(id))) {
        const ordered = [...held].sort((a, b) => a.at - b.at);
        const originals = await attachable(
          store,
          ordered.map((mail) => mail.id),
          where.attachMax,
        );
        const alerts = digestAlerts(ordered);
        const to = where.destination.kind === 'smtp' ? where.destination.envelope.to.join(', ') : 'webhook';
        const raw = await digestMail({
          from: sender(),
          to,
          date: new Date(),
          subject: digestSubject(ordered, alerts),
          destination: to,
          limit: where.limit,
          alerts,
          held: ordered,
          originals,
        });
        const delivery = digestDelivery(id, where.destination);
        const made = await lifecycle.create(id, raw, 1, { at: Date.now(), service: 'router', event: 'notification', kind: 'digest', bucket, members: ordered.map((mail) => mail.id) });
        if (made.ok) metrics.notifications.inc({ kind: 'digest' });
        if (made.ok || made.from === 'routed') await enqueue([delivery]);
      } else if (await store.exists(id)) {
        await enqueue([digestDelivery(id, where.destination)]);
      }
      for (const mail of held) {
        const done = await lifecycle.fold(mail.id, mail.deliveryId, { at: Date.now(), service: 'router', event: 'folded', reason: 'digest', notification: id, deliveryId: mail.deliveryId });
        if (done.ok && done.counted && done.left <= 0) outcomes.finished.inc({ outcome: 'folded', reason: 'digest' });
      }
      await flood.done(bucket, window);
      logger.info({ bucket, window, held: held.length, notification: id }, 'flood-control digest made');
    },

    /** Digests 15 s past due get a job again (one per window and hour); sets the gauges. */
    async sweep(graceMs: number): Promise<void> {
      const now = Date.now();
      const [late, { mails, buckets }] = await Promise.all([flood.due(now - graceMs), flood.heldNow()]);
      metrics.floodHeldNow.set(mails);
      metrics.floodLimited.set(buckets);
      for (const { bucket, window } of late) {
        await digestQueue.add('digest', { v: 1, bucket, window }, { jobId: jobId('digest', bucket, window, 'sweep', Math.floor(now / 3_600_000)) });
      }
    },
  };
}

export type FloodControl = ReturnType<typeof createFloodControl>;
