import { alertKey } from './key.js';
import { problemAt, resolvedAt, type Verdict } from './words.js';
import type { AlertFacts, AlertParser, AlertSeverity, AlertStatus, AlertWhy } from './types.js';

// Vixie cron, cronie and Debian's cron: "Cron <user@host> command".
const SUBJECT = /^Cron <([^@>\s]+)@([^>\s]+)>\s*(.*)$/;
// anacron (runjob.c): "Anacron job '<ident>' on <hostname>".
const ANACRON = /^Anacron job '([^']*)' on (\S+)$/;
// BusyBox and toybox crond: "cron: <command>" (no user, no host).
const BUSYBOX = /^cron: (.+)$/;
// systemd-cron's mail_for_job: "[<host>] Failure: <job>" or, for a job that succeeded and wrote
// output, "[<host>] Output: <job>"; before 2.x (mail_on_failure) "[<host>] job <unit> failed".
const SYSTEMD_CRON = /^\[([^\]\s]+)\] (?:(Failure|Output): (.+)|job (\S+) failed)$/;
const SYSTEMD_CRON_SENDER = /systemd-cron/i;

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

interface CronJob {
  identity: string[];
  host: string | undefined;
  labels: Record<string, string>;
  why: { source: string; key: string; keyFrom?: string; host?: string; labels: string };
  /** systemd-cron says how the job ended; the others leave it to the output. */
  ended?: { status: AlertStatus; severity: AlertSeverity; detail: string; severityDetail: string };
}

function recognise({ subject, headers, fromAddresses, envelope }: AlertFacts): CronJob | undefined {
  const vixie = SUBJECT.exec(subject);
  if (vixie) {
    const [, user, host, command] = vixie as unknown as [string, string, string, string];
    return {
      identity: [`${user}@${host}`.toLowerCase(), command],
      host,
      labels: { user, command },
      why: { source: 'Cron <user@host> command', key: `${user}@${host} and the command`, host: `the host of <${user}@${host}>`, labels: 'user and command' },
    };
  }
  const anacron = ANACRON.exec(subject);
  if (anacron) {
    const [, job, host] = anacron as unknown as [string, string, string];
    return {
      identity: ['anacron', host.toLowerCase(), job],
      host,
      labels: { command: job },
      why: { source: "Anacron job '<job>' on <host>", key: `anacron job ${job} on ${host}`, host: `on ${host}`, labels: 'the anacron job as command' },
    };
  }
  const systemd = SYSTEMD_CRON.exec(subject);
  const fromSystemdCron = headers.some((field) => (field.name === 'x-mailer' || field.name === 'from') && SYSTEMD_CRON_SENDER.test(field.value));
  if (systemd && fromSystemdCron) {
    const [, host, how, job, unit] = systemd as unknown as [string, string, string | undefined, string | undefined, string | undefined];
    const command = (job ?? unit)!;
    const succeeded = how === 'Output';
    return {
      identity: ['systemd-cron', host.toLowerCase(), command],
      host,
      labels: { command },
      why: { source: `[host] ${how ? `${how}: <job>` : 'job <unit> failed'} from systemd-cron`, key: `${host} and the job`, host: `[${host}]`, labels: 'the job as command' },
      ended: succeeded
        ? { status: 'resolved', severity: 'info', detail: '"Output:" is a job that succeeded (and wrote output): resolved', severityDetail: 'a job that succeeded is info' }
        : { status: 'firing', severity: 'error', detail: `"${how ? 'Failure:' : 'failed'}" is a job that failed: firing`, severityDetail: 'a job that failed is an error' },
    };
  }
  const busybox = BUSYBOX.exec(subject);
  if (busybox) {
    const command = busybox[1]!;
    const sender = (fromAddresses[0] ?? envelope.from).toLowerCase();
    const senderFrom = fromAddresses[0] !== undefined ? 'From' : 'envelope sender';
    return {
      identity: ['busybox', sender, command],
      host: undefined,
      labels: { command, sender },
      why: { source: 'cron: command (BusyBox crond)', key: `sender ${sender || '<>'} and the command (the subject names no host)`, keyFrom: `${senderFrom} and Subject`, labels: 'command and sender' },
    };
  }
  return undefined;
}

/** Cron job output mailed by the cron daemon; the status comes from the output (the body). */
export const cronParser: AlertParser = {
  name: 'cron',
  version: 1,
  needsBody: true,
  parse(facts) {
    const job = recognise(facts);
    if (!job) return undefined;
    const { subject, body } = facts;
    const found = job.ended || body === undefined ? undefined : outputVerdict(body);
    const status = job.ended?.status ?? found?.verdict.status ?? 'info';
    const severity = job.ended?.severity ?? found?.verdict.severity ?? 'info';
    const verdictWhy: AlertWhy[] = job.ended
      ? [
          { field: 'status', from: 'Subject', detail: job.ended.detail },
          { field: 'severity', from: 'Subject', detail: job.ended.severityDetail },
        ]
      : found
        ? [
            { field: 'status', from: `body line ${found.line}`, detail: `"${found.verdict.word}" in the output is ${status}` },
            { field: 'severity', from: `body line ${found.line}`, detail: `"${found.verdict.word}" is ${severity}` },
          ]
        : [
            { field: 'status', from: body === undefined ? 'default' : 'body', detail: body === undefined ? 'the body was not read: info' : 'no verdict word in the output: info' },
            { field: 'severity', from: body === undefined ? 'default' : 'body', detail: 'info' },
          ];
    return {
      key: alertKey('cron', ...job.identity),
      status,
      severity,
      summary: subject,
      ...(job.host !== undefined ? { host: job.host } : {}),
      labels: job.labels,
      why: [
        { field: 'source', from: 'Subject', detail: job.why.source },
        { field: 'key', from: job.why.keyFrom ?? 'Subject', detail: job.why.key },
        ...verdictWhy,
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        ...(job.why.host !== undefined ? [{ field: 'host' as const, from: 'Subject', detail: job.why.host }] : []),
        { field: 'labels', from: 'Subject', detail: job.why.labels },
      ],
    };
  },
};
