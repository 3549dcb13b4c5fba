import { headerSection, safeHeaderValue, subjectOf, type DeliverJob, type RecipientOutcome } from '@mailsort/core';

export interface NoticeFacts {
  delivery: DeliverJob;
  attempts: number;
  recipients: Record<string, RecipientOutcome>;
  result: string;
  upstream: string;
  reply: string;
  hostname: string;
  noticeId: string;
  to: string;
  now: Date;
}

/**
 * Pure: the bounce-like notice sent to `delivery.dead_letters.notify.to` for a dead letter:
 * what failed, why, and how to act on it, with the original's header section attached.
 */
export function deadLetterNotice({ delivery, attempts, recipients, result, upstream, reply, hostname, noticeId, to, now }: NoticeFacts, original: Buffer | null): Buffer {
  const section = original ? headerSection(original).replace(/\r?\n\r?\n$/, '') : '(the stored message is gone)';
  const subject = original ? subjectOf(original) : '';
  const destination = delivery.destination;
  const where = destination.kind === 'smtp' ? `${destination.envelope.to.join(', ')} via upstream ${upstream}` : 'a webhook';
  const rejected = Object.entries(recipients).filter(([, outcome]) => outcome.status === 'rejected');
  const lines = [
    `From: Mail Delivery System <MAILER-DAEMON@${safeHeaderValue(hostname)}>`,
    `To: <${safeHeaderValue(to)}>`,
    `Subject: ${safeHeaderValue(`Undelivered mail (${result}): ${subject}`)}`,
    `Date: ${now.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${noticeId}@${safeHeaderValue(hostname)}>`,
    'Auto-Submitted: auto-replied',
    `X-Mailsort-Dead-Letter: ${delivery.deliveryId}`,
    'MIME-Version: 1.0',
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
    '--- header of the original message ---',
    section,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}
