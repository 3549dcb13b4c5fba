import { mailboxKey } from '../mail/mailbox.js';
import type { Destination } from '../queues/payloads.js';

/**
 * Where a destination sends, as one comparable value, without who sent the mail: its upstream
 * and recipients (compared as mailboxes, so `Team@Example.COM` and `team@example.com` are one
 * team, in any order), or its webhook. Alert groups and flood buckets are keyed by it.
 */
export function destinationKey(destination: Destination): unknown {
  if (destination.kind === 'smtp') return { upstream: destination.upstream, to: [...new Set(destination.envelope.to.map(mailboxKey))].sort() };
  return { url: destination.url, format: destination.format, style: destination.style };
}
