import type { SMTPServerAddress, SMTPServerSession } from 'smtp-server';
import { parseMailbox, rejection, uniqueMailboxes, type Envelope, type Refusal } from '@mailsort/core';

/**
 * Parses a MAIL FROM / RCPT TO address once, into the spelling that is then checked, stored
 * and sent (smtp-server keeps the object it hands us as the envelope entry). Returns the
 * refusal for what is not one RFC 5321 mailbox.
 */
export function canonicaliseAddress(kind: 'sender' | 'recipient', address: SMTPServerAddress): Refusal<'bad_address'> | undefined {
  if (kind === 'sender' && address.address === '') return undefined;
  // RFC 5321 §4.1.1.3: the domainless postmaster must be accepted as a recipient.
  if (kind === 'recipient' && address.address.toLowerCase() === 'postmaster') {
    address.address = 'postmaster';
    return undefined;
  }
  const parsed = parseMailbox(address.address);
  if (parsed.ok) {
    address.address = parsed.address;
    return undefined;
  }
  return rejection('bad_address', kind, parsed.reason);
}

/** The envelope of the session: canonical addresses, each recipient once. */
export function sessionEnvelope(session: SMTPServerSession): Envelope {
  return {
    from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    to: uniqueMailboxes(session.envelope.rcptTo.map((rcpt) => rcpt.address)),
  };
}
