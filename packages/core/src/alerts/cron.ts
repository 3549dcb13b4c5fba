import { alertKey } from './key.js';
import { problemIn, resolvedIn, type Verdict } from './words.js';
import type { AlertParser, AlertWhy } from './types.js';

// Vixie cron, cronie and Debian's cron: "Cron <user@host> command".
const SUBJECT = /^Cron <([^@>\s]+)@([^>\s]+)>\s*(.*)$/;

/** The output's verdict and the body line that gave it: a problem anywhere beats an OK elsewhere. */
function outputVerdict(body: string): { verdict: Verdict; line: number } | undefined {
  const lines = body.split(/\r?\n/);
  for (const find of [problemIn, resolvedIn]) {
    const candidates = lines.map((text, index) => ({ verdict: find(text), line: index + 1 })).filter((found) => found.verdict !== undefined);
    // The worst severity wins; among equals, the first line.
    const worst = candidates.sort((a, b) => rank(a.verdict!) - rank(b.verdict!))[0];
    if (worst) return { verdict: worst.verdict!, line: worst.line };
  }
  return undefined;
}

const RANKS = { critical: 0, error: 1, warning: 2, info: 3 };
const rank = (verdict: Verdict) => RANKS[verdict.severity];

/** Cron job output mailed by the cron daemon; the status comes from the output (the body). */
export const cronParser: AlertParser = {
  name: 'cron',
  version: 1,
  needsBody: true,
  parse({ subject, body }) {
    const match = SUBJECT.exec(subject);
    if (!match) return undefined;
    const [, user, host, command] = match as unknown as [string, string, string, string];
    const found = body === undefined ? undefined : outputVerdict(body);
    const status = found?.verdict.status ?? 'info';
    const severity = found?.verdict.severity ?? 'info';
    const verdictWhy: AlertWhy[] = found
      ? [
          { field: 'status', from: `body line ${found.line}`, detail: `"${found.verdict.word}" in the output is ${status}` },
          { field: 'severity', from: `body line ${found.line}`, detail: `"${found.verdict.word}" is ${severity}` },
        ]
      : [
          { field: 'status', from: body === undefined ? 'default' : 'body', detail: body === undefined ? 'the body was not read: info' : 'no verdict word in the output: info' },
          { field: 'severity', from: body === undefined ? 'default' : 'body', detail: 'info' },
        ];
    return {
      key: alertKey('cron', `${user}@${host}`.toLowerCase(), command),
      status,
      severity,
      summary: subject,
      host,
      labels: { user, command },
      why: [
        { field: 'source', from: 'Subject', detail: 'Cron <user@host> command' },
        { field: 'key', from: 'Subject', detail: `${user}@${host} and the command` },
        ...verdictWhy,
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'host', from: 'Subject', detail: `the host of <${user}@${host}>` },
        { field: 'labels', from: 'Subject', detail: 'user and command' },
      ],
    };
  },
};
