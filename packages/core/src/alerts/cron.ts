import { alertKey } from './key.js';
import { problemAt, resolvedAt, type Verdict } from './words.js';
import type { AlertParser, AlertWhy } from './types.js';

// Vixie cron, cronie and Debian's cron: "Cron <user@host> command".
const SUBJECT = /^Cron <([^@>\s]+)@([^>\s]+)>\s*(.*)$/;

function lineOf(body: string, index: number): number {
  let line = 1;
  for (let at = body.indexOf('\n'); at !== -1 && at < index; at = body.indexOf('\n', at + 1)) line++;
  return line;
}

/**
 * The output's verdict and the body line that gave it: a problem anywhere beats an OK elsewhere,
 * and the worst problem wins (among equals, the first line). One search over the whole output
 * per word list, not a pass per line, so megabytes of output take milliseconds.
 */
function outputVerdict(body: string): { verdict: Verdict; line: number } | undefined {
  const found = problemAt(body) ?? resolvedAt(body);
  return found && { verdict: found.verdict, line: lineOf(body, found.index) };
}

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
