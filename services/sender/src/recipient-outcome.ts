import type { DeliveryResult, RecipientOutcome } from '@mailsort/core';

/**
 * Pure: where a delivery stands given each recipient's outcome so far. Every recipient
 * accepted → delivered; any still deferred → deferred (retry those); otherwise some were
 * rejected for good → partial when others were accepted, else failed.
 */
export function outcomeOf(recipients: Record<string, RecipientOutcome>, to: readonly string[]): Exclude<DeliveryResult, 'expired'> {
  const statuses = to.map((address) => recipients[address]?.status ?? 'deferred');
  if (statuses.every((status) => status === 'accepted')) return 'delivered';
  if (statuses.includes('deferred')) return 'deferred';
  return statuses.includes('accepted') ? 'partial' : 'failed';
}

/** Recipients that still need an attempt: neither accepted nor rejected for good. */
export function remainingRecipients(recipients: Record<string, RecipientOutcome>, to: readonly string[]): string[] {
  return to.filter((address) => {
    const status = recipients[address]?.status;
    return status !== 'accepted' && status !== 'rejected';
  });
}
