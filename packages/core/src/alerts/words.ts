import type { AlertSeverity, AlertStatus } from './types.js';

// The words machine mail uses for its verdict (Nagios, Zabbix, Monit, home-made scripts).
const RESOLVED = /\b(ok|resolved|recovered|recovery|back to normal)\b/i;
const SEVERITIES: ReadonlyArray<[RegExp, AlertSeverity]> = [
  [/\bcritical\b/i, 'critical'],
  [/\b(failed|failure|error|down|unreachable)\b/i, 'error'],
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

// Also the states a monitor names that are no verdict here (Nagios' host UP, service UNKNOWN): a
// state is never part of what the alert is, or a host's recovery (UP) misses its problem (DOWN).
const STATUS_WORDS = /\b(ok|resolved|recovered|recovery|back to normal|critical|failed|failure|error|down|unreachable|up|unknown|warning|problem|alert|firing)\b/gi;
const REPLY_PREFIX = /^(?:\s*(?:re|fwd?|aw|wg)\s*:\s*)+/i;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const ISO_DATE = /\b\d{4}-\d{2}-\d{2}(?:[t ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?\b/gi;
const NUMERIC_DATE = /\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b/g;
const TIME = /\b\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?\b/g;
// At least 7 characters with a digit and a letter: git short ids, container ids, job ids.
const HEX_ID = /\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b/gi;
// Standalone numbers only: "42", "#12", "95%", "1.2.3"; a digit inside a word (db1) is a name,
// and so is a short one after a dash (web-01, NAME_ORDINAL below).
const NUMBER = /(?<![\p{L}\p{N}_])#?\d+(?:[.,]\d+)*%?(?![\p{L}\p{N}_])/gu;
const HAS_WORD = /[\p{L}\p{N}]/u;
// Addresses name the machine ("PING 10.0.0.5 is DOWN"): the number rules would take them apart,
// so they are set aside first. IPv4; and IPv6 or MAC, told from a clock time by "::" or 3+ colons.
const IPV4 = /(?<![\p{L}\p{N}_.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\p{L}\p{N}_]|\.\d)/gu;
const IPV6_OR_MAC = /(?<![\p{L}\p{N}_:])(?=[0-9a-f:]*::|(?:[0-9a-f]*:){3})(?:[0-9a-f]{1,4}|:)(?:[0-9a-f]{0,4}:){1,7}[0-9a-f]{0,4}(?![\p{L}\p{N}_:])/giu;
// A host's ordinal after a dash (web-01, k8s-node-12, db-2.example.com) is part of its name: 1 to 3
// digits right after a letter and a dash. Longer runs (job-4711, release-2024) are ids and go.
const NAME_ORDINAL = /(?<=\p{L}-)\d{1,3}(?![\p{L}\p{N}_%]|[.,]\d)/gu;
const SET_ASIDE = /\uE000([a-z]+)\uE000/g;
const letters = (n: number): string => (n < 26 ? '' : letters(Math.floor(n / 26) - 1)) + String.fromCharCode(97 + (n % 26));

/**
 * A subject reduced to what stays the same across every mail of one alert: lower case, no
 * reply prefix, no verdict words, numbers, dates, times, hex ids or UUIDs; IP and MAC
 * addresses and a host's ordinal (web-01) stay, as they name the machine.
 */
export function normaliseSubject(subject: string): string {
  const addresses: string[] = [];
  const setAside = (address: string) => `\uE000${letters(addresses.push(address.toLowerCase()) - 1)}\uE000`;
  return subject
    .replace(REPLY_PREFIX, '')
    .replace(IPV4, setAside)
    .replace(IPV6_OR_MAC, setAside)
    .replace(NAME_ORDINAL, setAside)
    .replace(UUID, ' ')
    .replace(ISO_DATE, ' ')
    .replace(NUMERIC_DATE, ' ')
    .replace(TIME, ' ')
    .replace(HEX_ID, ' ')
    .replace(NUMBER, ' ')
    .replace(STATUS_WORDS, ' ')
    .toLowerCase()
    .replace(SET_ASIDE, (_, name: string) => addresses[[...name].reduce((n, c) => n * 26 + c.charCodeAt(0) - 96, 0) - 1] ?? '')
    .split(/\s+/)
    .filter((token) => HAS_WORD.test(token))
    .join(' ');
}
