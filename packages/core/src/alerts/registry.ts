import { alertmanagerParser } from './alertmanager.js';
import { cronParser } from './cron.js';
import { fail2banParser } from './fail2ban.js';
import { genericParser } from './generic.js';
import { gocdParser } from './gocd.js';
import { jenkinsParser } from './jenkins.js';
import { alertKey } from './key.js';
import type { AlertEvent, AlertFacts, AlertParser, AlertWhy, ParsedAlert } from './types.js';
import { unattendedUpgradesParser } from './unattended-upgrades.js';

/** The built-in parsers in the order they are asked; the generic fallback recognises every mail. */
export const ALERT_PARSERS: readonly AlertParser[] = [gocdParser, jenkinsParser, alertmanagerParser, cronParser, fail2banParser, unattendedUpgradesParser, genericParser];

// Reply and forward prefixes as mail clients write them (Outlook's FW, German AW/WG, Nordic SV/VS,
// French TR, Dutch Antw, Italian RIF, Portuguese ENC), stacked or counted (`Re[2]:`), and the
// out-of-office answers' (Exchange's Automatic reply, Sieve vacation's Auto).
const REPLY_OR_FORWARD =
  /^(?:\s*(?:re|fwd?|aw|wg|sv|vs|tr|antw|rif|enc|auto|autoreply|automatic reply|automatische antwort|réponse automatique|out of office|abwesenheitsnotiz)\s*(?:\[\d+\])?\s*:)+\s*/i;

/**
 * None of the systems the built-in parsers know writes `Re:` or `Fwd:` in front of its own
 * subject: such a mail is a person answering or passing on an alert. It is the sender's
 * conversation (generic, info), never the alert firing or resolving again.
 */
function conversation(facts: AlertFacts): ParsedAlert | undefined {
  const prefix = REPLY_OR_FORWARD.exec(facts.subject)?.[0];
  if (prefix === undefined) return undefined;
  // RFC 3834: a program's mail says so (Jenkins, cronie, systemd-cron do). A person's reply never
  // does, and an out-of-office answer says auto-replied, which is no alert either.
  if (facts.headers.some((field) => field.name === 'auto-submitted' && /^auto-generated\b/i.test(field.value))) return undefined;
  const original = { ...facts, subject: facts.subject.slice(prefix.length) };
  const about = ALERT_PARSERS.find((parser) => parser !== genericParser && parser.parse(original) !== undefined);
  if (!about) return undefined;
  const event = genericParser.parse(facts)!;
  const said: Partial<Record<AlertWhy['field'], string>> = {
    source: `"${prefix.trim()}" in front of a ${about.name} subject: a person's reply or forward`,
    status: 'a reply or forward is no alert: info',
    severity: 'a reply or forward is no alert: info',
  };
  return {
    ...event,
    status: 'info',
    severity: 'info',
    why: event.why.map((why) => (said[why.field] ? { field: why.field, from: 'Subject', detail: said[why.field]! } : why)),
  };
}

function first(facts: AlertFacts): { parser: AlertParser; event: AlertEvent } {
  const talk = conversation(facts);
  if (talk) return { parser: genericParser, event: { source: genericParser.name, parser: `${genericParser.name}@${genericParser.version}`, ...talk } };
  for (const parser of ALERT_PARSERS) {
    const parsed = parser.parse(facts);
    if (parsed) return { parser, event: { source: parser.name, parser: `${parser.name}@${parser.version}`, ...parsed } };
  }
  throw new Error('the generic alert parser recognises every mail');
}

/**
 * The one normalised alert event of a mail: the first parser that recognises it decides. Pure,
 * and it never throws: a parser failing on odd data must not fail (and retry) the route job.
 */
export function alertEvent(facts: AlertFacts): AlertEvent {
  try {
    return first(facts).event;
  } catch (error) {
    return unreadable(facts, error as Error);
  }
}

function unreadable(facts: AlertFacts, error: Error): AlertEvent {
  const sender = String(facts.envelope.from).toLowerCase();
  const detail = `the alert parsers failed: ${error.message}`;
  return {
    source: 'generic',
    parser: 'generic@1',
    key: alertKey('generic', sender),
    status: 'info',
    severity: 'info',
    summary: '(unreadable)',
    labels: { sender },
    why: (['source', 'key', 'status', 'severity', 'summary', 'labels'] as const).map((field) => ({ field, from: 'default', detail })),
  };
}

/** Whether the parser that recognises the mail reads its body, and the body is not loaded yet. */
export function alertEventNeedsBody(facts: AlertFacts & { bodyProblem?: string | undefined }): boolean {
  if (facts.body !== undefined || facts.bodyProblem !== undefined) return false;
  try {
    return first(facts).parser.needsBody === true;
  } catch {
    // alertEvent turns the same failure into an `info` event; it must not fail the route job here either.
    return false;
  }
}
