import { fixtureTable, type FixtureRow } from './fixture-table.test.js';

const ROWS: FixtureRow[] = [
  {
    name: 'Debian cron.daily via anacron, folded subject, a warning in the output',
    fixture: 'cron-anacron-folded.eml',
    expected: {
      source: 'cron',
      parser: 'cron@1',
      key: 'cron-3a4e19273391d17e',
      status: 'firing',
      severity: 'warning',
      summary: 'Cron <root@web1> test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily )',
      host: 'web1',
      labels: { user: 'root', command: 'test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily )' },
      why: [
        { field: 'source', from: 'Subject', detail: 'Cron <user@host> command' },
        { field: 'key', from: 'Subject', detail: 'root@web1 and the command' },
        { field: 'status', from: 'body line 2', detail: '"warning" in the output is firing' },
        { field: 'severity', from: 'body line 2', detail: '"warning" is warning' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'host', from: 'Subject', detail: 'the host of <root@web1>' },
        { field: 'labels', from: 'Subject', detail: 'user and command' },
      ],
    },
  },
  {
    name: 'Debian cron: an error line in the output fires',
    fixture: 'cron-debian-error.eml',
    expected: {
      source: 'cron',
      parser: 'cron@1',
      key: 'cron-00e3e95dd82de4a1',
      status: 'firing',
      severity: 'error',
      summary: 'Cron <root@db1> /usr/local/bin/backup-db',
      host: 'db1',
      labels: { user: 'root', command: '/usr/local/bin/backup-db' },
      why: [
        { field: 'source', from: 'Subject', detail: 'Cron <user@host> command' },
        { field: 'key', from: 'Subject', detail: 'root@db1 and the command' },
        { field: 'status', from: 'body line 2', detail: '"error" in the output is firing' },
        { field: 'severity', from: 'body line 2', detail: '"error" is error' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'host', from: 'Subject', detail: 'the host of <root@db1>' },
        { field: 'labels', from: 'Subject', detail: 'user and command' },
      ],
    },
  },
  {
    name: 'Debian cron: OK in the output resolves the same key',
    fixture: 'cron-debian-ok.eml',
    expected: {
      source: 'cron',
      parser: 'cron@1',
      key: 'cron-00e3e95dd82de4a1',
      status: 'resolved',
      severity: 'info',
      summary: 'Cron <root@db1> /usr/local/bin/backup-db',
      host: 'db1',
      labels: { user: 'root', command: '/usr/local/bin/backup-db' },
      why: [
        { field: 'source', from: 'Subject', detail: 'Cron <user@host> command' },
        { field: 'key', from: 'Subject', detail: 'root@db1 and the command' },
        { field: 'status', from: 'body line 2', detail: '"OK" in the output is resolved' },
        { field: 'severity', from: 'body line 2', detail: '"OK" is info' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'host', from: 'Subject', detail: 'the host of <root@db1>' },
        { field: 'labels', from: 'Subject', detail: 'user and command' },
      ],
    },
  },
];

fixtureTable('cron job output mails', ROWS);
