import MailComposer, { type MailComposerAttachment, type MailComposerOptions } from 'nodemailer/lib/mail-composer';
import { digestText, type DigestText, flappingText, type NotifiedAlert, summaryText } from './notification-text.js';

export type { NotifiedAlert } from './notification-text.js';
export { formatDuration } from './notification-text.js';

export interface SummaryMailInput {
  /** Header From: a plain address like 'alerts@example.com' or '"Name" <a@b>'. */
  from: string;
  to: string;
  date: Date;
  /** Already decided by the caller, e.g. '[FIRING:3] gocd'. */
  subject: string;
  /** e.g. 'team-a / gocd pipeline=api', shown in the intro line. */
  groupName: string;
  alerts: NotifiedAlert[];
  /** The original mails, raw, in the alerts' order, null for one not attached (gone, or past the cap); attached as message/rfc822. */
  originals: Array<Buffer | null>;
}

export interface FlappingNoticeInput {
  from: string;
  to: string;
  date: Date;
  subject: string;
  alert: NotifiedAlert;
  /** State changes counted in the window. */
  changes: number;
  /** The flap window. */
  windowMs: number;
  /** The low threshold: the alert counts as settled at or below this many changes in the window. */
  settleBelow: number;
}

export type NotificationKind = 'summary' | 'flapping' | 'digest';

export interface DigestMailInput extends Omit<DigestText, 'attached'> {
  from: string;
  to: string;
  date: Date;
  subject: string;
  /** The held mails, raw, in `held`'s order (fewer: only the first ones are attached). */
  originals: Array<Buffer | null>;
}

const MAX_LINE_OCTETS = 998;

/** A multipart/mixed mail: the alerts as text, then each original mail attached. */
export async function summaryMail(input: SummaryMailInput): Promise<Buffer> {
  if (input.originals.length > input.alerts.length) {
    throw new RangeError(`a summary has at most one original per alert, got ${input.originals.length} for ${input.alerts.length}`);
  }
  const attachments = input.originals.flatMap((original, i) => (original ? [originalAttachment(original, i + 1)] : []));
  return compose('summary', input, { text: summaryText(input.groupName, input.alerts, attachments.length), attachments });
}

/** A flood-control digest: the held mails as text, with the first ones attached. */
export async function digestMail(input: DigestMailInput): Promise<Buffer> {
  const attachments = input.originals.flatMap((original, i) => (original ? [originalAttachment(original, i + 1)] : []));
  return compose('digest', input, { text: digestText({ ...input, attached: attachments.length }), attachments });
}

/** A text/plain mail saying the alert flaps and that mailsort holds its mails until it settles. */
export async function flappingNotice(input: FlappingNoticeInput): Promise<Buffer> {
  return compose('flapping', input, { text: flappingText(input) });
}

/** Bare LF and bare CR become CRLF: RFC 2046 wants CRLF lines in a 7bit/8bit message/rfc822 part. */
export function crlfLines(raw: Buffer): Buffer {
  return Buffer.from(raw.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n'), 'latin1');
}

/**
 * An original as message/rfc822, which RFC 2046 5.2.1 forbids to be base64 or quoted-printable:
 * its label has to say what it is, 7bit or 8bit. A line over 998 octets can be neither, so such a
 * mail is attached as application/octet-stream (base64) instead, still as an .eml file.
 */
function originalAttachment(original: Buffer, n: number): MailComposerAttachment {
  const content = crlfLines(original);
  const filename = `alert-${n}.eml`;
  if (hasLongLine(content)) return { content, filename, contentType: 'application/octet-stream', contentTransferEncoding: 'base64', contentDisposition: 'attachment' };
  return { content, filename, contentType: 'message/rfc822', contentTransferEncoding: content.some((byte) => byte >= 0x80) ? '8bit' : '7bit', contentDisposition: 'attachment' };
}

function hasLongLine(crlfContent: Buffer): boolean {
  let start = 0;
  for (let end = crlfContent.indexOf('\r\n'); ; end = crlfContent.indexOf('\r\n', start)) {
    const lineEnd = end === -1 ? crlfContent.length : end;
    if (lineEnd - start > MAX_LINE_OCTETS) return true;
    if (end === -1) return false;
    start = end + 2;
  }
}

function compose(kind: NotificationKind, input: { from: string; to: string; date: Date; subject: string }, body: Pick<MailComposerOptions, 'text' | 'attachments'>): Promise<Buffer> {
  const composer = new MailComposer({
    from: input.from,
    to: input.to,
    date: input.date,
    subject: input.subject,
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Mailsort-Notification': kind },
    ...body,
  });
  return composer.compile().build();
}
