import { alertmanagerParser } from './alertmanager.js';
import { cronParser } from './cron.js';
import { fail2banParser } from './fail2ban.js';
import { genericParser } from './generic.js';
import { gocdParser } from './gocd.js';
import { jenkinsParser } from './jenkins.js';
import { alertKey } from './key.js';
import type { AlertEvent, AlertFacts, AlertParser } from './types.js';
import { unattendedUpgradesParser } from './unattended-upgrades.js';

/** The built-in parsers in the order they are asked; the generic fallback recognises every mail. */
export const ALERT_PARSERS: readonly AlertParser[] = [gocdParser, jenkinsParser, alertmanagerParser, cronParser, fail2banParser, unattendedUpgradesParser, genericParser];

function first(facts: AlertFacts): { parser: AlertParser; event: AlertEvent } {
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
