import { fixtureTable, type FixtureRow } from './fixture-table.test.js';

const ROWS: FixtureRow[] = [
  {
    name: 'fail2ban sendmail-whois ban',
    fixture: 'fail2ban-banned.eml',
    expected: {
      source: 'fail2ban',
      parser: 'fail2ban@1',
      key: 'fail2ban-b0bf2b64d7adf1b2',
      status: 'firing',
      severity: 'warning',
      summary: '[Fail2Ban] sshd: banned 203.0.113.7 from web1.example.com',
      host: 'web1.example.com',
      labels: { jail: 'sshd', event: 'banned', ip: '203.0.113.7' },
      why: [
        { field: 'source', from: 'Subject', detail: '[Fail2Ban] <jail>: …' },
        { field: 'key', from: 'Subject', detail: 'host, jail sshd and address 203.0.113.7' },
        { field: 'status', from: 'Subject', detail: 'a ban is firing' },
        { field: 'severity', from: 'Subject', detail: 'a ban is a warning' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'host', from: 'Subject', detail: 'from web1.example.com' },
        { field: 'labels', from: 'Subject', detail: 'jail, event and banned address' },
      ],
    },
  },
  {
    name: 'fail2ban jail started',
    fixture: 'fail2ban-started.eml',
    expected: {
      source: 'fail2ban',
      parser: 'fail2ban@1',
      key: 'fail2ban-70b3efc7200019f7',
      status: 'info',
      severity: 'info',
      summary: '[Fail2Ban] sshd: started on web1.example.com',
      host: 'web1.example.com',
      labels: { jail: 'sshd', event: 'started' },
      why: [
        { field: 'source', from: 'Subject', detail: '[Fail2Ban] <jail>: …' },
        { field: 'key', from: 'Subject', detail: 'host and jail sshd' },
        { field: 'status', from: 'Subject', detail: 'a jail started is info' },
        { field: 'severity', from: 'Subject', detail: 'a started jail is info' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'host', from: 'Subject', detail: 'on web1.example.com' },
        { field: 'labels', from: 'Subject', detail: 'jail and event' },
      ],
    },
  },
  {
    name: 'fail2ban jail stopped is a warning',
    fixture: 'fail2ban-stopped.eml',
    expected: {
      source: 'fail2ban',
      parser: 'fail2ban@1',
      key: 'fail2ban-70b3efc7200019f7',
      status: 'info',
      severity: 'warning',
      summary: '[Fail2Ban] sshd: stopped on web1.example.com',
      host: 'web1.example.com',
      labels: { jail: 'sshd', event: 'stopped' },
      why: [
        { field: 'source', from: 'Subject', detail: '[Fail2Ban] <jail>: …' },
        { field: 'key', from: 'Subject', detail: 'host and jail sshd' },
        { field: 'status', from: 'Subject', detail: 'a jail stopped is info' },
        { field: 'severity', from: 'Subject', detail: 'a stopped jail is a warning' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'host', from: 'Subject', detail: 'on web1.example.com' },
        { field: 'labels', from: 'Subject', detail: 'jail and event' },
      ],
    },
  },
  {
    name: 'regression: fail2ban 0.8 named no host ([Fail2Ban] ssh: banned <ip>): a firing warning, the sender standing in for the host',
    fixture: 'fail2ban-0.8-banned-no-host.eml',
    expected: {
      source: 'fail2ban',
      parser: 'fail2ban@1',
      key: 'fail2ban-4d3e856dfd199d60',
      status: 'firing',
      severity: 'warning',
      summary: '[Fail2Ban] ssh: banned 203.0.113.7',
      labels: {
        jail: 'ssh',
        event: 'banned',
        ip: '203.0.113.7',
        sender: 'fail2ban@web1.example.com',
      },
      why: [
        {
          field: 'source',
          from: 'Subject',
          detail: '[Fail2Ban] <jail>: …',
        },
        {
          field: 'key',
          from: 'From and Subject',
          detail: 'sender fail2ban@web1.example.com, jail ssh and address 203.0.113.7',
        },
        {
          field: 'status',
          from: 'Subject',
          detail: 'a ban is firing',
        },
        {
          field: 'severity',
          from: 'Subject',
          detail: 'a ban is a warning',
        },
        {
          field: 'summary',
          from: 'Subject',
          detail: 'the subject',
        },
        {
          field: 'labels',
          from: 'Subject',
          detail: 'jail, event and banned address, and the sender',
        },
      ],
    },
  },
];

fixtureTable("fail2ban's stock mail actions", ROWS);
