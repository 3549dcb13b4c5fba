import type { Destination } from '../queues/payloads.js';

export interface DeliveredTo {
  /** Every address the mail is sent to, whatever decided it: rule recipients, or the envelope's for passthrough. */
  recipients: string[];
  /** The upstreams it leaves through, in order. */
  upstreams: string[];
}

/** Where a message goes, read off its destinations rather than the decision, which has no recipients for passthrough. */
export function deliveredTo(destinations: readonly Destination[]): DeliveredTo {
  const smtp = destinations.flatMap((destination) => (destination.kind === 'smtp' ? [destination] : []));
  const unique = (values: string[]) => [...new Set(values)];
  return {
    recipients: unique(smtp.flatMap((destination) => destination.envelope.to)),
    upstreams: unique(smtp.map((destination) => destination.upstream)),
  };
}

/** The text row: the addresses and the upstream, saying when the envelope's go on unchanged. */
export function describeRecipients(action: string, { recipients, upstreams }: DeliveredTo): string {
  if (recipients.length === 0) return '(none)';
  const passthrough = action === 'passthrough' ? ', unchanged (passthrough: the envelope recipients)' : '';
  return `${recipients.join(', ')} via upstream ${upstreams.join(', ')}${passthrough}`;
}
