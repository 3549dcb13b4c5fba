import {
  firstHeaderValue,
  flappingNotice,
  jobId,
  summaryMail,
  threadHeaders,
  type DeliverJob,
  type Destination,
  type GroupState,
  type Logger,
  type MessageLifecycle,
  type MessageStore,
  type PlannedNotification,
  type RouterMetrics,
  type TraceEvent,
} from '@mailsort/core';
import { attachable, composedDestination, composedEnvelope } from './composed-mail.js';

export interface NotificationDeps {
  lifecycle: MessageLifecycle;
  store: MessageStore;
  enqueue: (deliveries: DeliverJob[]) => Promise<unknown>;
  metrics: RouterMetrics;
  logger: Logger;
  /** The right-hand side of the Message-IDs mailsort writes (ingest.hostname: the same on every replica). */
  domain: string;
  /** The envelope sender and From of what it composes, as the routing in force says (composedSender). */
  sender: () => string;
}

type Route = NonNullable<GroupState['route']>;

// A summary attaches this many originals at most (and at most composed-mail's byte budget).
const MAX_ATTACHED = 20;

function recipientsOf(destinations: readonly Destination[]): string[] {
  return destinations.flatMap((destination) => (destination.kind === 'smtp' ? destination.envelope.to : []));
}

/** The header rewrites of one delivery of a notification: the route's own, then the thread's. */
function withHeaders(destination: Destination, headers: Record<string, string>): Destination {
  if (destination.kind !== 'smtp') return destination;
  return { ...destination, rewrites: { set: { ...destination.rewrites?.set, ...headers }, remove: destination.rewrites?.remove ?? [] } };
}

function alertHeader(notification: PlannedNotification): string {
  const [first] = notification.alerts;
  const status = notification.kind === 'flapping' ? 'flapping' : (first?.status ?? 'firing');
  const mails = notification.alerts.reduce((sum, alert) => sum + alert.count, 0);
  return `${status}; alerts=${notification.alerts.length}; mails=${mails}${notification.alerts.length === 1 && first ? `; key=${first.key}` : ''}`;
}

function deliveriesOf(route: Route, notification: PlannedNotification, headers: Record<string, string>, at: number, sender: string): DeliverJob[] {
  return route.destinations.map((destination, index) => ({
    v: 1,
    id: notification.id,
    deliveryId: jobId('deliver', notification.id, index),
    acceptedAt: at,
    original: composedEnvelope(route.destinations, sender),
    destination: withHeaders(composedDestination(destination, sender, notification.kind === 'single'), headers),
  }));
}

/** Makes the notifications a flush decided: composed, stored once (by id), and handed to the sender. */
export function createNotifications({ lifecycle, store, enqueue, metrics, logger, domain, sender: senderNow }: NotificationDeps) {
  async function compose(state: GroupState, route: Route, notification: PlannedNotification, at: number, sender: string): Promise<Buffer | null> {
    if (notification.kind === 'single') {
      const original = await store.get(notification.members[0]!);
      if (!original) logger.error({ notification: notification.id, code: 'MESSAGE_MISSING' }, 'a grouped mail expired before its notification was made');
      return original;
    }
    const originals = await attachable(store, notification.members, MAX_ATTACHED);
    const from = sender;
    const to = recipientsOf(route.destinations).join(', ') || `undisclosed-recipients:;`;
    const date = new Date(at);
    if (notification.kind === 'summary') {
      // members and alerts are in the same order (flush.ts): every alert is listed, the first ones attached.
      return summaryMail({ from, to, date, subject: notification.subject, groupName: state.name, alerts: notification.alerts, originals });
    }
    const alert = notification.alerts[0]!;
    const flap = notification.flap!;
    return flappingNotice({ from, to, date, subject: notification.subject, alert, changes: flap.changes, windowMs: flap.windowMs, settleBelow: flap.settleAt });
  }

  function headersFor(state: GroupState, notification: PlannedNotification, raw: Buffer, at: number): Record<string, string> {
    const route = state.route!;
    const headers: Record<string, string> = { 'X-Mailsort-Alert': alertHeader(notification) };
    const { thread } = notification;
    if (!thread) return headers;
    const count = String(notification.alerts.reduce((sum, alert) => sum + alert.count, 0));
    const template = route.policy.followupSubject.replaceAll('{count}', count).replaceAll('{status}', notification.alerts[0]?.status ?? '');
    const originalMessageId = notification.kind === 'single' ? firstHeaderValue(raw, 'message-id') : undefined;
    const position = { threadKey: `${state.id}-${state.life}`, epoch: thread.epoch, index: thread.index, startedAt: thread.startedAt, at, firstSubject: thread.firstSubject, domain };
    return { ...headers, ...threadHeaders(position, { subject: notification.subject, followupSubject: template, originalMessageId }) };
  }

  return {
    async send(state: GroupState, notification: PlannedNotification, at: number): Promise<void> {
      const route = state.route!;
      const sender = senderNow();
      // A flush carried out again (its router died half-way) composes nothing twice: made once, its mails may be gone since.
      if (await store.notificationMade(notification.id)) {
        if (await store.exists(notification.id)) await enqueue(deliveriesOf(route, notification, {}, at, sender));
        return;
      }
      const raw = await compose(state, route, notification, at, sender);
      if (!raw) return;
      const headers = headersFor(state, notification, raw, at);
      const deliveries = deliveriesOf(route, notification, headers, at, sender);
      const trace: TraceEvent = {
        at: Date.now(),
        service: 'router',
        event: 'notification',
        group: state.id,
        kind: notification.kind,
        members: notification.members,
        alerts: notification.alerts.map((alert) => alert.key),
        thread: notification.thread,
      };
      const made = await lifecycle.create(notification.id, raw, deliveries.length, trace);
      if (made.ok) metrics.notifications.inc({ kind: notification.kind });
      // Made before and already finished: nothing to hand on again. Still routed: the enqueue below is a no-op for jobs that exist.
      else if (made.from === 'gone') return;
      await enqueue(deliveries);
    },
  };
}

export type Notifications = ReturnType<typeof createNotifications>;
