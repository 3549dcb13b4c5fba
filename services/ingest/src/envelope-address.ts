import type { SMTPServerAddress, SMTPServerSession } from 'smtp-server';
import { parseMailbox, uniqueMailboxes, type Envelope } from '@mailsort/core';

export interface AddressRefusal {
  code: 501;
  text: string;
  reason: 'bad_address';
  errorCode: 'ADDRESS_INVALID';
}

/**
 * Parses a MAIL FROM / RCPT TO address once, into the spelling that is then checked, stored
 * and sent (smtp-server keeps the object it hands us as the envelope entry). Returns the
 * refusal for what is not one RFC 5321 mailbox.
 */
export function canonicaliseAddress(kind: 'sender' | 'recipient', address: SMTPServerAddress): AddressRefusal | undefined {
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
  const text = kind === 'sender' ? `5.1.7 Bad sender address syntax: ${parsed.reason}` : `5.1.3 Bad recipient address syntax: ${parsed.reason}`;
  return { code: 501, text, reason: 'bad_address', errorCode: 'ADDRESS_INVALID' };
}

/** The envelope of the session: canonical addresses, each recipient once. */
export function sessionEnvelope(session: SMTPServerSession): Envelope {
  return {
    from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    to: uniqueMailboxes(session.envelope.rcptTo.map((rcpt) => rcpt.address)),
  };
}
