import { createHash } from 'node:crypto';
import { safeHeaderValue, subjectOf, type DeliverJob, type RecipientOutcome } from '@mailsort/core';

export interface NoticeFacts {
  delivery: DeliverJob;
  attempts: number;
  recipients: Record<string, RecipientOutcome>;
  result: string;
  upstream: string;
  reply: string;
  hostname: string;
  noticeId: string;
  /** The header's To: the notice's addresses (a webhook-only notice names its fallback). */
  to: string[];
  now: Date;
}

/** A boundary that cannot occur in the original (RFC 2046 5.1.1: it must not appear in the parts). */
function boundaryFor(noticeId: string, original: Buffer | null): string {
  for (let salt = 0; ; salt++) {
    const boundary = `=_mailsort_${createHash('sha256').update(`${noticeId}/${salt}`).digest('hex').slice(0, 24)}`;
    if (!original?.includes(boundary)) return boundary;
  }
}

/**
 * Pure: the notice a dead letter's contacts get (the route's on_dead, or
 * `delivery.dead_letters.notify.to`): a text part saying what failed, why, and how to act on
 * it, then the original message itself, attached whole (message/rfc822) while it is stored.
 */
export function deadLetterNotice({ delivery, attempts, recipients, result, upstream, reply, hostname, noticeId, to, now }: NoticeFacts, original: Buffer | null): Buffer {
  const boundary = boundaryFor(noticeId, original);
  const subject = original ? subjectOf(original) : '';
  const destination = delivery.destination;
  const where = destination.kind === 'smtp' ? `${destination.envelope.to.join(', ')} via upstream ${upstream}` : 'a webhook';
  const rejected = Object.entries(recipients).filter(([, outcome]) => outcome.status === 'rejected');
  const lines = [
    `From: Mail Delivery System <MAILER-DAEMON@${safeHeaderValue(hostname)}>`,
    `To: ${to.map((address) => `<${safeHeaderValue(address)}>`).join(', ')}`,
    `Subject: ${safeHeaderValue(`Undelivered mail (${result}): ${subject}`)}`,
    `Date: ${now.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${noticeId}@${safeHeaderValue(hostname)}>`,
    'Auto-Submitted: auto-replied',
    `X-Mailsort-Dead-Letter: ${delivery.deliveryId}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    `This is mailsort at ${hostname}. A delivery failed for good and is kept as a dead letter.`,
    '',
    `  queue id:      ${delivery.id}`,
    `  delivery:      ${delivery.deliveryId}`,
    `  result:        ${result}`,
    `  to:            ${where}`,
    `  envelope from: <${delivery.original.from}>`,
    `  attempts:      ${attempts}`,
    `  last reply:    ${reply}`,
    ...rejected.map(([address, outcome]) => `  rejected:      ${address}: ${outcome.reply}`),
    '',
    'Act on it with:',
    `  mailsort queue show ${delivery.deliveryId}`,
    `  mailsort queue retry ${delivery.deliveryId}     (send again now)`,
    `  mailsort queue replay ${delivery.id}     (route again, e.g. after fixing a rule)`,
    `  mailsort queue delete ${delivery.deliveryId}`,
    '',
    original ? 'The original message is attached.' : '(the stored message is gone: only its delivery record is left)',
    '',
  ];
  const head = Buffer.from(lines.join('\r\n'), 'utf8');
  if (!original) return Buffer.concat([head, Buffer.from(`--${boundary}--\r\n`)]);
  const attached = original.subarray(-2).equals(Buffer.from('\r\n')) ? original : Buffer.concat([original, Buffer.from('\r\n')]);
  const part = `--${boundary}\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename="original.eml"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`;
  return Buffer.concat([head, Buffer.from(part), attached, Buffer.from(`--${boundary}--\r\n`)]);
}
