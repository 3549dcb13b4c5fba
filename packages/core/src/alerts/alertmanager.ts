import { alertmanagerSubjectLabels, parseAlertmanagerSubject } from '../rules/subjects/alertmanager.js';
import { mailboxKey } from '../mail/mailbox.js';
import { alertKey } from './key.js';
import type { AlertParser, AlertSeverity } from './types.js';

// A `severity` label is the common Prometheus convention; its value shows among the subject's.
const SEVERITY_ALIASES: Record<string, AlertSeverity> = { critical: 'critical', page: 'critical', error: 'error', warning: 'warning', warn: 'warning', info: 'info', none: 'info' };

function severityAmong(values: readonly string[]): { value: string; severity: AlertSeverity } | undefined {
  for (const value of values) {
    const severity = SEVERITY_ALIASES[value.toLowerCase()];
    if (severity) return { value, severity };
  }
  return undefined;
}

// Compared as mailboxes (mailboxKey), so spelling, case and order of the same addresses give one key.
const addressList = (addresses: readonly string[]) => [...new Set(addresses.map(mailboxKey))].sort().join(',');

/** Alertmanager's default subject: `[FIRING:2] <group label values> (<other common label values>)` or `[RESOLVED] …`. */
export const alertmanagerParser: AlertParser = {
  name: 'alertmanager',
  version: 1,
  parse({ subject, envelope, fromAddresses }) {
    const notice = parseAlertmanagerSubject(subject);
    const split = alertmanagerSubjectLabels(subject);
    if (!notice || !split) return undefined;
    const found = severityAmong(notice.labels);
    const severity: AlertSeverity = notice.status === 'resolved' ? 'info' : (found?.severity ?? 'error');
    const group = split.group.join(' ');
    // A route without group_by (or `group_by: []`) names no group in the subject: Alertmanager then
    // keeps one group per route and receiver, so who sends the mail to whom is the alert's identity.
    const receiver = group === '' ? [`from=${addressList(fromAddresses)}`, `to=${addressList(envelope.to)}`] : [];
    return {
      key: alertKey('alertmanager', group, ...receiver),
      status: notice.status,
      severity,
      summary: subject,
      labels: {
        alertname: notice.alertname,
        group,
        ...(split.common.length > 0 ? { common: split.common.join(' ') } : {}),
        ...(notice.firing !== undefined ? { firing: String(notice.firing) } : {}),
        ...(found ? { severity: found.value } : {}),
      },
      why: [
        { field: 'source', from: 'Subject', detail: notice.status === 'resolved' ? '[RESOLVED] prefix' : notice.firing === undefined ? '[FIRING] prefix' : `[FIRING:${notice.firing}] prefix` },
        group === ''
          ? { field: 'key', from: 'envelope', detail: 'no group label values (a route without group_by): the sender and the recipients, one group per receiver as Alertmanager keeps it' }
          : { field: 'key', from: 'Subject', detail: `group label values "${group}" (the parenthesised common labels left out)` },
        { field: 'status', from: 'Subject', detail: notice.status === 'firing' ? `${notice.firing === undefined ? '[FIRING]' : '[FIRING:n]'} is firing` : '[RESOLVED] is resolved' },
        {
          field: 'severity',
          from: found && notice.status === 'firing' ? 'Subject' : 'default',
          detail: notice.status === 'resolved' ? 'a resolve is info' : found ? `label value "${found.value}" is ${found.severity}` : 'no severity label value in the subject: error',
        },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'labels', from: 'Subject', detail: 'alertname is the first group value (Alertmanager sorts it first)' },
      ],
    };
  },
};
