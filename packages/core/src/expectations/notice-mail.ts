import MailComposer from 'nodemailer/lib/mail-composer';
import { formatDuration } from '../alerts/notification-text.js';
import { sha256 } from '../alerts/thread-index.js';
import { threadHeaders } from '../alerts/threading.js';
import { safeHeaderValue } from '../mail/header-text.js';
import { parseAction } from '../rules/actions.js';
import { SINGLE_INSTANCE } from './match.js';
import type { ExpectationTiming, InstanceSeen, Notice } from './state.js';

export interface NoticeInput {
  expectation: string;
  instance: string;
  per?: string | undefined;
  timing: ExpectationTiming;
  seen: InstanceSeen;
  notice: Notice;
  now: number;
  /** The outage's root: when it was made and its subject (the root's own when this is it). */
  since: number;
  firstSubject: string;
  from: string;
  to: readonly string[];
  domain: string;
}

/** The thread of one (expectation, instance): the same on every replica; `outage` is its epoch. */
export function noticeThreadKey(expectation: string, instance: string): string {
  return `expect-${sha256(`${expectation}\n${instance}`).toString('hex').slice(0, 24)}`;
}

/** The stored message id of one notice: deterministic, so two checkers make it once. */
export function noticeId(expectation: string, instance: string, notice: Pick<Notice, 'outage' | 'index'>): string {
  return `${noticeThreadKey(expectation, instance).replace('expect-', 'x')}-${notice.outage}-${notice.index}`;
}

function who(input: Pick<NoticeInput, 'instance' | 'per'>): string {
  if (input.instance === SINGLE_INSTANCE) return '';
  return input.per === 'host' ? ` from ${input.instance}` : ` for ${input.per?.slice('labels.'.length)}=${input.instance}`;
}

/** The root's subject of a new outage (decoded text; the thread's follow-ups are "Re: " it). */
export function noticeSubject(expectation: string, instance: string, per: string | undefined, kind: 'missing' | 'failing'): string {
  return `[mailsort] ${kind === 'missing' ? 'expected mail missing' : 'failure reported'}: ${expectation}${who({ instance, per })}`;
}

const iso = (ms: number | undefined) => (ms === undefined ? 'never' : new Date(ms).toISOString());

function bodyText(input: NoticeInput): string {
  const { expectation, timing, seen, notice, now } = input;
  const last = Math.max(seen.lastSuccess ?? 0, seen.lastFailure ?? 0) || undefined;
  const rhythm = `expected every ${formatDuration(timing.every)}, grace ${formatDuration(timing.grace)}`;
  const lines: Record<typeof notice.kind, string> = {
    missing: `No mail for expectation "${expectation}"${who(input)} has arrived since ${iso(last)} (${rhythm}).`,
    failing: `The last mail for expectation "${expectation}"${who(input)}, at ${iso(seen.lastFailure)}, reported a failure (a failure keyword).`,
    reminder: `Still ${notice.status} since ${iso(input.since)}: expectation "${expectation}"${who(input)} (${rhythm}); last mail ${iso(last)}.`,
    recovered: `Back to normal: mail for expectation "${expectation}"${who(input)} arrived again at ${iso(last)}, after ${formatDuration(now - input.since)} ${notice.index > 1 ? 'of trouble (with reminders)' : 'of trouble'}.`,
  };
  return `${lines[notice.kind]}\n\nmailsort expectations (or --json) shows every expectation and host.\n`;
}

/** The notice mail and the headers set on its delivery (its thread: Message-ID, In-Reply-To, References, Thread-*). */
export async function noticeMail(input: NoticeInput): Promise<{ raw: Buffer; headers: Record<string, string> }> {
  const { notice } = input;
  const threadKey = noticeThreadKey(input.expectation, input.instance);
  const position = { threadKey, epoch: notice.outage, index: notice.index, startedAt: input.since, at: input.now, firstSubject: input.firstSubject, domain: input.domain };
  const headers = {
    ...threadHeaders(position, { subject: input.firstSubject }),
    'X-Mailsort-Expectation': `${safeHeaderValue(input.expectation)}; notice=${notice.kind}; state=${notice.status}`,
  };
  const composer = new MailComposer({
    from: input.from,
    to: input.to.join(', '),
    date: new Date(input.now),
    subject: input.firstSubject,
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Mailsort-Notification': 'expectation' },
    text: bodyText(input),
  });
  return { raw: await composer.compile().build(), headers };
}

/** The addresses of an expectation's `notify` list (mailto: actions only; the schema refuses others). */
export function notifyRecipients(notify: readonly string[]): string[] {
  return notify.flatMap((text) => {
    const action = parseAction(text);
    return 'error' in action || action.kind !== 'mailto' ? [] : action.addresses;
  });
}
