import { alertKey } from './key.js';
import type { AlertParser, AlertSeverity, AlertStatus } from './types.js';

// fail2ban's stock mail actions (sendmail, sendmail-whois, sendmail-whois-lines, mail-whois…):
// "[Fail2Ban] <jail>: banned <ip> from <host>", "… started on <host>", "… stopped on <host>";
// fail2ban 0.8 (Debian 7, CentOS 6) had no host: "[Fail2Ban] <jail>: banned <ip>", "… started".
const BANNED = /^\[Fail2Ban\] (\S+): banned (\S+)(?: from (\S+))?$/i;
const STARTED_STOPPED = /^\[Fail2Ban\] (\S+): (started|stopped)(?: on (\S+))?$/i;

/** fail2ban's ban, start and stop notices. */
export const fail2banParser: AlertParser = {
  name: 'fail2ban',
  version: 1,
  parse({ subject, fromAddresses, envelope }) {
    const banned = BANNED.exec(subject);
    const lifecycle = banned ? null : STARTED_STOPPED.exec(subject);
    if (!banned && !lifecycle) return undefined;
    const [, jail, what, host] = (banned ?? lifecycle) as unknown as [string, string, string, string | undefined];
    // Without a host in the subject, the sender (fail2ban@<host> by default) names the machine.
    const sender = (fromAddresses[0] ?? envelope.from).toLowerCase();
    const machine = host?.toLowerCase() ?? sender;
    const machineWhy = host !== undefined ? 'host' : `sender ${sender || '<>'}`;
    const ip = banned ? what : undefined;
    const stopped = lifecycle?.[2]?.toLowerCase() === 'stopped';
    const status: AlertStatus = banned ? 'firing' : 'info';
    // A stopped jail protects nothing any more.
    const severity: AlertSeverity = banned || stopped ? 'warning' : 'info';
    const event = banned ? 'banned' : lifecycle![2]!.toLowerCase();
    return {
      key: ip ? alertKey('fail2ban', machine, jail, ip) : alertKey('fail2ban', machine, jail),
      status,
      severity,
      summary: subject,
      ...(host !== undefined ? { host } : {}),
      labels: { jail, event, ...(ip ? { ip } : {}), ...(host === undefined ? { sender } : {}) },
      why: [
        { field: 'source', from: 'Subject', detail: '[Fail2Ban] <jail>: …' },
        {
          field: 'key',
          from: host !== undefined ? 'Subject' : `${fromAddresses[0] !== undefined ? 'From' : 'envelope sender'} and Subject`,
          detail: ip ? `${machineWhy}, jail ${jail} and address ${ip}` : `${machineWhy} and jail ${jail}`,
        },
        { field: 'status', from: 'Subject', detail: banned ? 'a ban is firing' : `a jail ${event} is info` },
        { field: 'severity', from: 'Subject', detail: banned ? 'a ban is a warning' : stopped ? 'a stopped jail is a warning' : 'a started jail is info' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        ...(host !== undefined ? [{ field: 'host' as const, from: 'Subject', detail: `${banned ? 'from' : 'on'} ${host}` }] : []),
        { field: 'labels', from: 'Subject', detail: `${ip ? 'jail, event and banned address' : 'jail and event'}${host === undefined ? ', and the sender' : ''}` },
      ],
    };
  },
};
