import assert from 'node:assert/strict';
import { test } from 'node:test';
import { performance } from 'node:perf_hooks';
import { buildFacts } from '../rules/facts.js';
import { fixtureTable, type FixtureRow } from './fixture-table.test.js';
import { alertEvent } from './registry.js';

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
  {
    name: "regression: anacron's own mail (Anacron job 'cron.daily' on web1) is cron, host web1, the output's error fires",
    fixture: 'cron-anacron-error.eml',
    expected: {
      source: 'cron',
      parser: 'cron@1',
      key: 'cron-8208bec44eb1b64c',
      status: 'firing',
      severity: 'error',
      summary: "Anacron job 'cron.daily' on web1",
      host: 'web1',
      labels: {
        command: 'cron.daily',
      },
      why: [
        {
          field: 'source',
          from: 'Subject',
          detail: "Anacron job '<job>' on <host>",
        },
        {
          field: 'key',
          from: 'Subject',
          detail: 'anacron job cron.daily on web1',
        },
        {
          field: 'status',
          from: 'body line 2',
          detail: '"error" in the output is firing',
        },
        {
          field: 'severity',
          from: 'body line 2',
          detail: '"error" is error',
        },
        {
          field: 'summary',
          from: 'Subject',
          detail: 'the subject',
        },
        {
          field: 'host',
          from: 'Subject',
          detail: 'on web1',
        },
        {
          field: 'labels',
          from: 'Subject',
          detail: 'the anacron job as command',
        },
      ],
    },
  },
  {
    name: "anacron: the next day's OK resolves the same key",
    fixture: 'cron-anacron-ok.eml',
    expected: {
      source: 'cron',
      parser: 'cron@1',
      key: 'cron-8208bec44eb1b64c',
      status: 'resolved',
      severity: 'info',
      summary: "Anacron job 'cron.daily' on web1",
      host: 'web1',
      labels: {
        command: 'cron.daily',
      },
      why: [
        {
          field: 'source',
          from: 'Subject',
          detail: "Anacron job '<job>' on <host>",
        },
        {
          field: 'key',
          from: 'Subject',
          detail: 'anacron job cron.daily on web1',
        },
        {
          field: 'status',
          from: 'body line 2',
          detail: '"OK" in the output is resolved',
        },
        {
          field: 'severity',
          from: 'body line 2',
          detail: '"OK" is info',
        },
        {
          field: 'summary',
          from: 'Subject',
          detail: 'the subject',
        },
        {
          field: 'host',
          from: 'Subject',
          detail: 'on web1',
        },
        {
          field: 'labels',
          from: 'Subject',
          detail: 'the anacron job as command',
        },
      ],
    },
  },
  {
    name: 'regression: systemd-cron [web1] Failure: <job> fires from the subject (the unit failed)',
    fixture: 'cron-systemd-cron-failure.eml',
    expected: {
      source: 'cron',
      parser: 'cron@1',
      key: 'cron-56c60c16f7b42d90',
      status: 'firing',
      severity: 'error',
      summary: '[web1] Failure: /etc/cron.daily/logrotate',
      host: 'web1',
      labels: {
        command: '/etc/cron.daily/logrotate',
      },
      why: [
        {
          field: 'source',
          from: 'Subject',
          detail: '[host] Failure: <job> from systemd-cron',
        },
        {
          field: 'key',
          from: 'Subject',
          detail: 'web1 and the job',
        },
        {
          field: 'status',
          from: 'Subject',
          detail: '"Failure:" is a job that failed: firing',
        },
        {
          field: 'severity',
          from: 'Subject',
          detail: 'a job that failed is an error',
        },
        {
          field: 'summary',
          from: 'Subject',
          detail: 'the subject',
        },
        {
          field: 'host',
          from: 'Subject',
          detail: '[web1]',
        },
        {
          field: 'labels',
          from: 'Subject',
          detail: 'the job as command',
        },
      ],
    },
  },
  {
    name: 'systemd-cron [web1] Output: <job> is a job that succeeded: resolved, same key, a warning in its output notwithstanding',
    fixture: 'cron-systemd-cron-output.eml',
    expected: {
      source: 'cron',
      parser: 'cron@1',
      key: 'cron-56c60c16f7b42d90',
      status: 'resolved',
      severity: 'info',
      summary: '[web1] Output: /etc/cron.daily/logrotate',
      host: 'web1',
      labels: {
        command: '/etc/cron.daily/logrotate',
      },
      why: [
        {
          field: 'source',
          from: 'Subject',
          detail: '[host] Output: <job> from systemd-cron',
        },
        {
          field: 'key',
          from: 'Subject',
          detail: 'web1 and the job',
        },
        {
          field: 'status',
          from: 'Subject',
          detail: '"Output:" is a job that succeeded (and wrote output): resolved',
        },
        {
          field: 'severity',
          from: 'Subject',
          detail: 'a job that succeeded is info',
        },
        {
          field: 'summary',
          from: 'Subject',
          detail: 'the subject',
        },
        {
          field: 'host',
          from: 'Subject',
          detail: '[web1]',
        },
        {
          field: 'labels',
          from: 'Subject',
          detail: 'the job as command',
        },
      ],
    },
  },
  {
    name: "regression: BusyBox crond's cron: <command> (no host, no From) is cron, keyed on the envelope sender and the command",
    fixture: 'cron-busybox-error.eml',
    expected: {
      source: 'cron',
      parser: 'cron@1',
      key: 'cron-1f47d48253f57279',
      status: 'firing',
      severity: 'error',
      summary: 'cron: /usr/local/bin/rotate-logs.sh',
      labels: {
        command: '/usr/local/bin/rotate-logs.sh',
        sender: 'bounce@example.com',
      },
      why: [
        {
          field: 'source',
          from: 'Subject',
          detail: 'cron: command (BusyBox crond)',
        },
        {
          field: 'key',
          from: 'envelope sender and Subject',
          detail: 'sender bounce@example.com and the command (the subject names no host)',
        },
        {
          field: 'status',
          from: 'body line 1',
          detail: '"error" in the output is firing',
        },
        {
          field: 'severity',
          from: 'body line 1',
          detail: '"error" is error',
        },
        {
          field: 'summary',
          from: 'Subject',
          detail: 'the subject',
        },
        {
          field: 'labels',
          from: 'Subject',
          detail: 'command and sender',
        },
      ],
    },
  },
];

fixtureTable('cron job output mails', ROWS);

test('regression: 20 MB of cron output (the message limit is 25 MiB) is read in well under a second, the verdict and its line as before', () => {
  const facts = buildFacts({ from: 'root@db1', to: ['root@db1'] }, 'Subject: Cron <root@db1> /usr/local/bin/rsync-all\r\n\r\n');
  const lines = 1_000_000;
  const body = `${'sending incremental file list, all fine\n'.repeat(lines)}rsync: warning: some files vanished\nrsync error: some files could not be transferred (code 23)\n`;
  alertEvent({ ...facts, body: 'warm up\n' });
  // The best of three, so a busy machine (benchmarks, a parallel suite) does not decide.
  let took = Number.POSITIVE_INFINITY;
  let event = alertEvent({ ...facts, body: '' });
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    event = alertEvent({ ...facts, body });
    took = Math.min(took, performance.now() - started);
  }
  // A pass per line with a sort of the candidates took about 0.9 s on a shared 2-core machine; one search per word list about 30 ms.
  assert.ok(took < 400, `${Math.round(took)} ms`);
  assert.deepEqual([event.status, event.severity], ['firing', 'error']);
  assert.deepEqual(
    event.why.find((why) => why.field === 'status'),
    { field: 'status', from: `body line ${lines + 2}`, detail: '"error" in the output is firing' },
  );
});

test('systemd-cron before 2.x said "[host] job <unit> failed"; a [host] Failure: subject not from systemd-cron stays generic', () => {
  const event = (headers: string) => alertEvent(buildFacts({ from: 'root@web1', to: ['root@web1'] }, `${headers}\r\n\r\n`));
  const old = event('From: root (systemd-cron)\r\nSubject: [web1] job cron-daily-logrotate.service failed');
  assert.deepEqual([old.source, old.status, old.severity, old.host, old.labels], ['cron', 'firing', 'error', 'web1', { command: 'cron-daily-logrotate.service' }]);
  assert.equal(event('From: ops@example.com\r\nSubject: [web1] Failure: /etc/cron.daily/logrotate').source, 'generic');
});
