import { createHash } from 'node:crypto';
import { jobId, mailboxKey, type DeadContact, type DeliverJob } from '@mailsort/core';

export interface NoticeSettings {
  /** The global fallback contact (delivery.dead_letters.notify.to). */
  to?: string | undefined;
  from: string;
  upstream?: string | undefined;
}

/** Who hears of a dead letter, or why nobody does. */
export type NoticeTargets = { kind: 'contacts'; contacts: DeadContact[] } | { kind: 'none'; why: 'null_sender' | 'notice' | 'no_contact' };

/**
 * Pure: the contacts of a dead delivery: its route's on_dead, else the global fallback. Never
 * for mail from the null sender (bounces, and notices sent as `<>`) nor for a notice, so a
 * notice never leads to another notice, whatever `from` it is sent with.
 */
export function noticeTargets(delivery: DeliverJob, settings: NoticeSettings): NoticeTargets {
  if (delivery.original.from === '') return { kind: 'none', why: 'null_sender' };
  // Jobs queued before `notice` existed are recognised by their envelope, as they were.
  const legacyNotice = settings.to !== undefined && delivery.original.from === settings.from && delivery.original.to.length === 1 && delivery.original.to[0] === settings.to;
  if (delivery.notice || legacyNotice) return { kind: 'none', why: 'notice' };
  const failed = delivery.destination;
  // A webhook contact that is the very webhook that failed is no other path.
  const routeContacts = (failed.onDead ?? []).filter((contact) => !(contact.kind === 'webhook' && failed.kind === 'webhook' && contact.url === failed.url));
  if (routeContacts.length > 0) return { kind: 'contacts', contacts: routeContacts };
  return settings.to ? { kind: 'contacts', contacts: [{ kind: 'mailto', to: [settings.to] }] } : { kind: 'none', why: 'no_contact' };
}

/**
 * Pure: the upstream a notice goes through: the configured one unless it is the one that
 * failed, else the first other configured upstream, else (one upstream only) the failed one:
 * a refusal of one address still leaves that path open for another.
 */
export function noticeUpstream(failed: string, configured: string | undefined, upstreams: readonly string[]): string {
  if (configured !== undefined && configured !== failed) return configured;
  return upstreams.find((name) => name !== failed) ?? configured ?? failed;
}

/** The notice's id: one per dead delivery, so a re-run of the sender makes the same one (lifecycle.create refuses it twice). */
export function noticeIdOf(deliveryId: string): string {
  return `n-${deliveryId}`;
}

/** The rate-limit key of a contact: a mailbox, or a hash of a webhook URL (a secret, never a key in clear). */
export function contactKey(contact: { kind: 'mailto'; address: string } | { kind: 'webhook'; url: string }): string {
  if (contact.kind === 'mailto') return `mailto-${mailboxKey(contact.address)}`;
  return `webhook-${createHash('sha256').update(contact.url).digest('hex').slice(0, 16)}`;
}

/** The fixed window `now` falls in. */
export function rateWindow(now: number, windowMs: number): number {
  return Math.floor(now / windowMs);
}

/** Pure: the contacts still under their limit, given each one's count in this window after counting this notice. */
export function withinLimit<T>(counted: ReadonlyArray<{ contact: T; count: number }>, perContact: number): { allowed: T[]; limited: T[] } {
  const allowed = counted.filter((entry) => entry.count <= perContact).map((entry) => entry.contact);
  const limited = counted.filter((entry) => entry.count > perContact).map((entry) => entry.contact);
  return { allowed, limited };
}

/**
 * The deliver jobs of a notice: one SMTP delivery to its addresses (over `upstream`), one per
 * webhook. `otherwiseTo` is the envelope a webhook-only notice records (it has no addresses).
 */
export function noticeJobs(noticeId: string, contacts: readonly DeadContact[], envelopeFrom: string, upstream: string, at: number, otherwiseTo: string[]): DeliverJob[] {
  const to = contacts.flatMap((contact) => (contact.kind === 'mailto' ? contact.to : []));
  const original = { from: envelopeFrom, to: to.length > 0 ? to : otherwiseTo };
  const destinations: DeliverJob['destination'][] = [
    ...(to.length > 0 ? [{ kind: 'smtp' as const, upstream, envelope: { from: envelopeFrom, to } }] : []),
    ...contacts.flatMap((contact) => (contact.kind === 'webhook' ? [{ kind: 'webhook' as const, url: contact.url, format: contact.format, style: contact.style }] : [])),
  ];
  return destinations.map((destination, index) => ({ v: 1, id: noticeId, deliveryId: jobId('deliver', noticeId, index), acceptedAt: at, original, destination, notice: true }));
}
