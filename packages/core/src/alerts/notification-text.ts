import type { NotifiedAlert } from './grouping/types.js';

/** One alert as a notification reports it: the latest state and what was seen since the last notification. */
export type { NotifiedAlert };

const DURATION_PARTS: Array<[unit: string, ms: number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** `1h`, `30m`, `1h 30m`, `2d`, `500ms`: the units the config accepts, largest first. */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms));
  if (rest < 1000) return `${rest}ms`;
  const parts: string[] = [];
  for (const [unit, size] of DURATION_PARTS) {
    const amount = Math.floor(rest / size);
    rest -= amount * size;
    if (amount > 0) parts.push(`${amount}${unit}`);
  }
  return parts.join(' ');
}

/** The text part of a summary mail: an intro line, one block per alert, a closing line. */
export function summaryText(groupName: string, alerts: readonly NotifiedAlert[], attached = alerts.length): string {
  const intro = `${plural(alerts.length, 'alert')} in ${oneLine(groupName)}:`;
  const closing = attached === alerts.length ? 'The original mails are attached.' : `${attached} of the ${alerts.length} original mails are attached.`;
  return [intro, '', ...alerts.flatMap((alert) => [...alertBlock(alert), '']), closing, ''].join('\r\n');
}

export interface FlappingText {
  alert: NotifiedAlert;
  changes: number;
  windowMs: number;
  settleBelow: number;
}

/** The text of a flapping notice: what flaps, what mailsort does about it, and the alert itself. */
export function flappingText({ alert, changes, windowMs, settleBelow }: FlappingText): string {
  const window = formatDuration(windowMs);
  return [
    `${oneLine(alert.summary)} is flapping: it changed state ${plural(changes, 'time')} in the last ${window}.`,
    `mailsort holds further mails for it until it changes state at most ${plural(settleBelow, 'time')} in ${window}, and then sends its state at that time.`,
    '',
    ...alertBlock(alert),
    '',
  ].join('\r\n');
}

export interface DigestText {
  destination: string;
  limit: string;
  alerts: readonly NotifiedAlert[];
  held: ReadonlyArray<{ id: string; at: number; severity: string; subject: string }>;
  attached: number;
}

/** The text of a flood-control digest: why, one block per alert, then every held mail with its id. */
export function digestText({ destination, limit, alerts, held, attached }: DigestText): string {
  // A loop, not Math.min(...): a window can hold more mails than a call can take arguments.
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const mail of held) {
    first = Math.min(first, mail.at);
    last = Math.max(last, mail.at);
  }
  const attachedLine = attached === held.length ? 'Every held mail is attached.' : `The first ${attached} are attached; see the others with \`mailsort queue show ID\` until they expire.`;
  return [
    `mailsort's flood control held ${plural(held.length, 'mail')} to ${oneLine(destination)} between ${isoTime(first)} and ${isoTime(last)} (limit ${limit}).`,
    '',
    ...alerts.flatMap((alert) => [...alertBlock(alert), '']),
    'Held mails:',
    ...held.map((mail) => `  ${isoTime(mail.at)} ${mail.severity} ${oneLine(mail.subject)} (id ${mail.id})`),
    '',
    attachedLine,
    '',
  ].join('\r\n');
}

function alertBlock(alert: NotifiedAlert): string[] {
  const lines = [
    `${alert.status.toUpperCase()} ${alert.severity}: ${oneLine(alert.summary)}`,
    `  first seen ${isoTime(alert.firstSeen)}, last seen ${isoTime(alert.lastSeen)}, ${plural(alert.count, 'mail')}`,
    `  source ${oneLine(alert.source)}, key ${oneLine(alert.key)}`,
  ];
  const labels = Object.entries(alert.labels).map(([name, value]) => `${oneLine(name)}=${oneLine(value)}`);
  if (labels.length > 0) lines.push(`  ${labels.join(' ')}`);
  return lines;
}

// A summary or label value is the sender's text: a line break in it would start a line that
// looks like one of ours, so control characters become a blank.
function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f]+/g, ' ');
}

function isoTime(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : 'unknown';
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
