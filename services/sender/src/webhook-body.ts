import { mailparser, plainText, type Envelope } from '@mailsort/core';

export interface MessageFacts {
  subject: string;
  from: string;
  to: string;
  date: string | undefined;
  messageId: string | undefined;
  /** The plain-text body (HTML converted when there is no text part), line endings as \n. */
  text: string;
}

export async function messageFacts(raw: Buffer): Promise<MessageFacts> {
  const { simpleParser } = mailparser();
  const parsed = await simpleParser(raw, { skipImageLinks: true, skipHtmlToText: false });
  const addressText = (value: typeof parsed.from | typeof parsed.to) => (Array.isArray(value) ? value.map((v) => v.text).join(', ') : (value?.text ?? ''));
  return {
    subject: parsed.subject ?? '',
    from: addressText(parsed.from),
    to: addressText(parsed.to),
    date: parsed.date?.toISOString(),
    messageId: parsed.messageId,
    text: plainText(parsed).replace(/\r\n/g, '\n'),
  };
}

// Slack's own attachment colours, by the words GoCD, Jenkins and Alertmanager put in subjects.
function colourOf(subject: string): string | undefined {
  if (/\b(fail(ed|s|ure)?|broken|firing|error|critical)\b/i.test(subject)) return 'danger';
  if (/\b(cancell?ed|warning|unstable)\b/i.test(subject)) return 'warning';
  if (/\b(pass(ed|es)?|fixed|resolved|success(ful)?|back to normal)\b/i.test(subject)) return 'good';
  return undefined;
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line.length > 0) ?? ''
  );
}

export interface WebhookContext {
  id: string;
  deliveryId: string;
  acceptedAt: number;
  envelope: Envelope;
}

/**
 * Pure: the POST body for a webhook delivery. `slack` is what mail2alert's slack action sent
 * (brief: the subject as title and the first body line; full: "Message from" and the whole
 * body); `json` is mailsort's own document (see docs/delivery.md).
 */
export function webhookBody(format: 'slack' | 'json', style: 'brief' | 'full', facts: MessageFacts, context: WebhookContext): unknown {
  const colour = colourOf(facts.subject);
  if (format === 'slack') {
    const attachment = style === 'brief' ? { title: facts.subject, text: firstLine(facts.text), fallback: facts.subject } : { title: facts.subject, text: facts.text, fallback: facts.subject };
    return {
      text: style === 'brief' ? facts.subject : `Message from: ${facts.from}`,
      attachments: [{ ...attachment, ...(colour ? { color: colour } : {}) }],
    };
  }
  return {
    mailsort: 1,
    id: context.id,
    deliveryId: context.deliveryId,
    acceptedAt: new Date(context.acceptedAt).toISOString(),
    envelope: { from: context.envelope.from, to: context.envelope.to },
    subject: facts.subject,
    from: facts.from,
    to: facts.to,
    date: facts.date ?? null,
    messageId: facts.messageId ?? null,
    level: colour === 'danger' ? 'error' : colour === 'warning' ? 'warning' : colour === 'good' ? 'ok' : 'info',
    style,
    text: style === 'brief' ? firstLine(facts.text) : facts.text,
  };
}
