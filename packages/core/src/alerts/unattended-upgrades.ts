import { alertKey } from './key.js';
import type { AlertParser, AlertSeverity, AlertStatus } from './types.js';

// unattended-upgrades' report: "unattended-upgrades result for <host>: SUCCESS|FAILURE", since
// 1.x with "[reboot required]" and/or "[package on hold]" in front; before that
// "unattended-upgrades result for '<host>': True|False".
const SUBJECT = /^((?:\s*\[(?:reboot required|package on hold)\])*)\s*unattended-upgrades result for '?([^'\s:]+)'?\s*:\s*(SUCCESS|FAILURE|True|False)\s*$/i;

/** unattended-upgrades' result mails. */
export const unattendedUpgradesParser: AlertParser = {
  name: 'unattended-upgrades',
  version: 1,
  parse({ subject }) {
    const match = SUBJECT.exec(subject);
    if (!match) return undefined;
    const [, flags, host, result] = match as unknown as [string, string, string, string];
    const success = /^(success|true)$/i.test(result);
    const reboot = /\[reboot required\]/i.test(flags);
    const hold = /\[package on hold\]/i.test(flags);
    // A success that needs a reboot is still something to do.
    const status: AlertStatus = success && !reboot ? 'resolved' : 'firing';
    const severity: AlertSeverity = !success ? 'error' : reboot ? 'warning' : 'info';
    return {
      key: alertKey('unattended-upgrades', host.toLowerCase()),
      status,
      severity,
      summary: subject,
      host,
      labels: { result: success ? 'SUCCESS' : 'FAILURE', ...(reboot ? { reboot_required: 'true' } : {}), ...(hold ? { package_on_hold: 'true' } : {}) },
      why: [
        { field: 'source', from: 'Subject', detail: 'unattended-upgrades result for <host>: …' },
        { field: 'key', from: 'Subject', detail: `host ${host}` },
        { field: 'status', from: 'Subject', detail: success ? (reboot ? `${result} but [reboot required] is firing` : `${result} is resolved`) : `${result} is firing` },
        { field: 'severity', from: 'Subject', detail: success ? (reboot ? '[reboot required] is a warning' : `${result} is info`) : `${result} is an error` },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'host', from: 'Subject', detail: `result for ${host}` },
        { field: 'labels', from: 'Subject', detail: 'result and the [reboot required] / [package on hold] flags' },
      ],
    };
  },
};
