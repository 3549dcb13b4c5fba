import type { Destination, Envelope, MessageStore } from '@mailsort/core';

// A mail mailsort composes (a summary, a digest) attaches originals up to this many bytes in all:
// it stays a mail an upstream takes and a router can build, however big the mails it carries.
const ATTACH_BUDGET_BYTES = 10 * 1024 * 1024;

/** The first originals, in order, while they fit the count and the byte budget; null for one left out (it is still listed). */
export async function attachable(store: MessageStore, ids: readonly string[], maxCount: number): Promise<Array<Buffer | null>> {
  const attached: Array<Buffer | null> = [];
  let left = ATTACH_BUDGET_BYTES;
  for (const id of ids.slice(0, maxCount)) {
    const size = await store.size(id);
    if (size === 0 || size > left) {
      attached.push(null);
      continue;
    }
    left -= size;
    attached.push(await store.get(id));
  }
  return attached;
}

/** mailsort's own sender for what it composes: the envelope, and the From header. */
export function composedSender(configured: string | undefined, domain: string): string {
  return configured ?? `mailsort@${domain}`;
}

/**
 * Where a mail mailsort sends goes, and from whom: the route's recipients, but mailsort's own
 * sender, never the envelope of whichever mail arrived last (that sender could be anyone's).
 * `keepFrom`: an original sent on as itself keeps its own From header.
 */
export function composedDestination(destination: Destination, sender: string, keepFrom = false): Destination {
  if (destination.kind !== 'smtp') return destination;
  const { From: _lastMails, ...set } = destination.rewrites?.set ?? {};
  return { ...destination, envelope: { from: sender, to: destination.envelope.to }, rewrites: { set: keepFrom ? set : { ...set, From: sender }, remove: destination.rewrites?.remove ?? [] } };
}

export function composedEnvelope(destinations: readonly Destination[], sender: string): Envelope {
  const to = destinations.flatMap((destination) => (destination.kind === 'smtp' ? destination.envelope.to : []));
  return { from: sender, to: to.length > 0 ? to : [sender] };
}
