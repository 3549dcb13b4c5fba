import type { AlertSeverity, AlertStatus } from './types.js';

// The words machine mail uses for its verdict (Nagios, Zabbix, Monit, home-made scripts).
const RESOLVED = /\b(ok|resolved|recovered|recovery|back to normal)\b/i;
const SEVERITIES: ReadonlyArray<[RegExp, AlertSeverity]> = [
  [/\bcritical\b/i, 'critical'],
  [/\b(failed|failure|error|down)\b/i, 'error'],
  [/\bwarning\b/i, 'warning'],
];

export interface Verdict {
  status: AlertStatus;
  severity: AlertSeverity;
  /** The word that decided, as written; undefined when none did. */
  word: string | undefined;
}

const NO_VERDICT: Verdict = { status: 'info', severity: 'info', word: undefined };

/** The first recovery word in the text, and where it stands. */
export function resolvedAt(text: string): { verdict: Verdict; index: number } | undefined {
  const match = RESOLVED.exec(text);
  return match ? { verdict: { status: 'resolved', severity: 'info', word: match[0] }, index: match.index } : undefined;
}

/** The worst problem word anywhere in the text (critical, then error, then warning), and where its first one stands. */
export function problemAt(text: string): { verdict: Verdict; index: number } | undefined {
  for (const [pattern, severity] of SEVERITIES) {
    const match = pattern.exec(text);
    if (match) return { verdict: { status: 'firing', severity, word: match[0] }, index: match.index };
  }
  return undefined;
}

export function resolvedIn(text: string): Verdict | undefined {
  return resolvedAt(text)?.verdict;
}

export function problemIn(text: string): Verdict | undefined {
  return problemAt(text)?.verdict;
}

/** A subject's verdict: a recovery word wins ("RESOLVED: disk CRITICAL" is a resolve). */
export function subjectVerdict(text: string): Verdict {
  return resolvedIn(text) ?? problemIn(text) ?? NO_VERDICT;
}

/** A command output's verdict: one error line among many OK lines is still an error. */
export function outputVerdict(text: string): Verdict {
  return problemIn(text) ?? resolvedIn(text) ?? NO_VERDICT;
}

const STATUS_WORDS = /\b(ok|resolved|recovered|recovery|back to normal|critical|failed|failure|error|down|warning|problem|alert|firing)\b/gi;
const REPLY_PREFIX = /^(?:\s*(?:re|fwd?|aw|wg)\s*:\s*)+/i;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const ISO_DATE = /\b\d{4}-\d{2}-\d{2}(?:[t ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?\b/gi;
const NUMERIC_DATE = /\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b/g;
const TIME = /\b\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?\b/g;
// At least 7 characters with a digit and a letter: git short ids, container ids, job ids.
const HEX_ID = /\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b/gi;
// Standalone numbers only: "42", "#12", "95%", "1.2.3"; a digit inside a word (db1) is a name.
const NUMBER = /(?<![\p{L}\p{N}_])#?\d+(?:[.,]\d+)*%?(?![\p{L}\p{N}_])/gu;
const HAS_WORD = /[\p{L}\p{N}]/u;

/**
 * A subject reduced to what stays the same across every mail of one alert: lower case, no
 * reply prefix, no verdict words, numbers, dates, times, hex ids or UUIDs.
 */
export function normaliseSubject(subject: string): string {
  return subject
    .replace(REPLY_PREFIX, '')
    .replace(UUID, ' ')
    .replace(ISO_DATE, ' ')
    .replace(NUMERIC_DATE, ' ')
    .replace(TIME, ' ')
    .replace(HEX_ID, ' ')
    .replace(NUMBER, ' ')
    .replace(STATUS_WORDS, ' ')
    .toLowerCase()
    .split(/\s+/)
    .filter((token) => HAS_WORD.test(token))
    .join(' ');
}
