import { alertKey } from './key.js';
import type { AlertParser, AlertSeverity, AlertStatus } from './types.js';

// fail2ban's stock mail actions (sendmail, sendmail-whois, sendmail-whois-lines, mail-whois…):
// "[Fail2Ban] <jail>: banned <ip> from <host>", "… started on <host>", "… stopped on <host>".
const BANNED = /^\[Fail2Ban\] (\S+): banned (\S+) from (\S+)$/i;
const STARTED_STOPPED = /^\[Fail2Ban\] (\S+): (started|stopped) on (\S+)$/i;

/** fail2ban's ban, start and stop notices. */
export const fail2banParser: AlertParser = {
  name: 'fail2ban',
  version: 1,
  parse({ subject }) {
    const banned = BANNED.exec(subject);
    const lifecycle = banned ? null : STARTED_STOPPED.exec(subject);
    if (!banned && !lifecycle) return undefined;
    const [, jail, what, host] = (banned ?? lifecycle) as unknown as [string, string, string, string];
    const ip = banned ? what : undefined;
    const stopped = lifecycle?.[2]?.toLowerCase() === 'stopped';
    const status: AlertStatus = banned ? 'firing' : 'info';
    // A stopped jail protects nothing any more.
    const severity: AlertSeverity = banned || stopped ? 'warning' : 'info';
    const event = banned ? 'banned' : lifecycle![2]!.toLowerCase();
    return {
      key: ip ? alertKey('fail2ban', host.toLowerCase(), jail, ip) : alertKey('fail2ban', host.toLowerCase(), jail),
      status,
      severity,
      summary: subject,
      host,
      labels: { jail, event, ...(ip ? { ip } : {}) },
      why: [
        { field: 'source', from: 'Subject', detail: '[Fail2Ban] <jail>: …' },
        { field: 'key', from: 'Subject', detail: ip ? `host, jail ${jail} and address ${ip}` : `host and jail ${jail}` },
        { field: 'status', from: 'Subject', detail: banned ? 'a ban is firing' : `a jail ${event} is info` },
        { field: 'severity', from: 'Subject', detail: banned ? 'a ban is a warning' : stopped ? 'a stopped jail is a warning' : 'a started jail is info' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'host', from: 'Subject', detail: `${banned ? 'from' : 'on'} ${host}` },
        { field: 'labels', from: 'Subject', detail: ip ? 'jail, event and banned address' : 'jail and event' },
      ],
    };
  },
};
