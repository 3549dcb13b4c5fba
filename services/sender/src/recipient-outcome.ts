import { mailboxKey, type DeliveryResult, type RecipientOutcome } from '@mailsort/core';

type Status = RecipientOutcome['status'] | undefined;

/**
 * Each recipient's status, found by mailboxKey so that a record written under another
 * spelling of the same mailbox (an older record, an upstream's echo) still counts; a final
 * status (accepted, rejected) wins over a deferral.
 */
function statusesOf(recipients: Record<string, RecipientOutcome>, to: readonly string[]): Status[] {
  const byKey = new Map<string, RecipientOutcome['status']>();
  for (const [address, outcome] of Object.entries(recipients)) {
    const key = mailboxKey(address);
    if (byKey.get(key) === undefined || byKey.get(key) === 'deferred') byKey.set(key, outcome.status);
  }
  return to.map((address) => byKey.get(mailboxKey(address)));
}

/**
 * Pure: where a delivery stands given each recipient's outcome so far. Every recipient
 * accepted → delivered; any still deferred → deferred (retry those); otherwise some were
 * rejected for good → partial when others were accepted, else failed.
 */
export function outcomeOf(recipients: Record<string, RecipientOutcome>, to: readonly string[]): Exclude<DeliveryResult, 'expired'> {
  const statuses = statusesOf(recipients, to).map((status) => status ?? 'deferred');
  if (statuses.every((status) => status === 'accepted')) return 'delivered';
  if (statuses.includes('deferred')) return 'deferred';
  return statuses.includes('accepted') ? 'partial' : 'failed';
}

/** Recipients that still need an attempt: neither accepted nor rejected for good. */
export function remainingRecipients(recipients: Record<string, RecipientOutcome>, to: readonly string[]): string[] {
  const statuses = statusesOf(recipients, to);
  return to.filter((_address, index) => statuses[index] !== 'accepted' && statuses[index] !== 'rejected');
}
