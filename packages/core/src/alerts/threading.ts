import { safeHeaderValue } from '../mail/header-text.js';
import { sha256, threadIndex } from './thread-index.js';

export interface ThreadPosition {
  /** The group's id (stable across replicas), e.g. 'g-3f2a…'. */
  threadKey: string;
  /** Increments when a new outage starts a new thread. */
  epoch: number;
  /** 0 for the thread's first notification (the root), 1, 2, … for follow-ups. */
  index: number;
  /** ms since epoch when the thread's root was sent. */
  startedAt: number;
  /** ms since epoch of this notification. */
  at: number;
  /** The subject of the thread's root notification (decoded text, may be non-ASCII). */
  firstSubject: string;
  /** Right-hand side of Message-IDs, e.g. 'mailsort.example.com'. */
  domain: string;
}

export interface ThreadOptions {
  /** This notification's own subject (decoded text). */
  subject: string;
  /** Template for follow-up subjects; placeholders {first_subject} and {subject}. Default 'Re: {first_subject}'. */
  followupSubject?: string;
  /** The sender's own Message-ID of the mail being sent, if any (kept in X-Original-Message-ID). */
  originalMessageId?: string | undefined;
}

export const DEFAULT_FOLLOWUP_SUBJECT = 'Re: {first_subject}';

const REPLY_PREFIXES = /^(?:\s*(?:re|fwd?)\s*(?:\[\d+\])?\s*:)+\s*/i;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;
// A dot-atom domain or an address literal: what RFC 5322 allows right of the @ in a msg-id.
const MESSAGE_ID_DOMAIN = /^(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*|\[[\x21-\x5a\x5e-\x7e]*\])$/;

/** The root notification's Message-ID: every replica derives the same one for (threadKey, epoch). */
export function rootMessageId(threadKey: string, epoch: number, domain: string): string {
  assertDomain(domain);
  return `<${sha256(`${threadKey}\n${epoch}`).toString('hex').slice(0, 32)}@${domain}>`;
}

/** The n-th follow-up's Message-ID; the `.n` keeps ids of one thread readable in order. */
export function followupMessageId(threadKey: string, epoch: number, index: number, domain: string): string {
  assertDomain(domain);
  return `<${sha256(`${threadKey}\n${epoch}\n${index}`).toString('hex').slice(0, 32)}.${index}@${domain}>`;
}

/** A subject without its leading Re:/Fwd:/Fw: prefixes (any case, any number of them). */
export function stripReplyPrefixes(subject: string): string {
  return subject.replace(REPLY_PREFIXES, '');
}

/** The headers to set on the notification (name → value, every value printable ASCII). */
export function threadHeaders(position: ThreadPosition, options: ThreadOptions): Record<string, string> {
  assertPosition(position);
  const { threadKey, epoch, index, domain } = position;
  const root = rootMessageId(threadKey, epoch, domain);
  const topic = stripReplyPrefixes(position.firstSubject);
  const headers: Record<string, string> =
    index === 0
      ? { 'Message-ID': root, Subject: safeHeaderValue(options.subject) }
      : {
          'Message-ID': followupMessageId(threadKey, epoch, index, domain),
          'In-Reply-To': root,
          References: root,
          Subject: safeHeaderValue(followupSubject(options.followupSubject ?? DEFAULT_FOLLOWUP_SUBJECT, topic, options.subject)),
        };
  headers['Thread-Topic'] = safeHeaderValue(topic);
  headers['Thread-Index'] = threadIndex(position);
  const original = originalMessageIdHeader(options.originalMessageId);
  if (original) headers['X-Original-Message-ID'] = original;
  return headers;
}

/** One pass over the template, so a subject that itself contains `{subject}` is not expanded again. */
function followupSubject(template: string, firstSubject: string, subject: string): string {
  return template.replace(/\{(first_subject|subject)\}/g, (_, name: string) => (name === 'first_subject' ? firstSubject : subject));
}

function originalMessageIdHeader(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  return PRINTABLE_ASCII.test(trimmed) ? trimmed : safeHeaderValue(trimmed) || undefined;
}

/** The Message-ID domain for a host name: itself when it can be one, else `mailsort.invalid` (threads must never fail over a name). */
export function messageIdDomain(hostname: string): string {
  return MESSAGE_ID_DOMAIN.test(hostname) ? hostname : 'mailsort.invalid';
}

function assertDomain(domain: string): void {
  if (!MESSAGE_ID_DOMAIN.test(domain)) throw new TypeError(`not a Message-ID domain: ${JSON.stringify(domain)}`);
}

function assertPosition(position: ThreadPosition): void {
  if (!Number.isSafeInteger(position.index) || position.index < 0) throw new RangeError(`thread index must be a whole number ≥ 0, got ${position.index}`);
  if (!Number.isSafeInteger(position.epoch)) throw new RangeError(`thread epoch must be a whole number, got ${position.epoch}`);
  if (!Number.isFinite(position.startedAt) || !Number.isFinite(position.at)) throw new RangeError('thread times must be finite');
}
