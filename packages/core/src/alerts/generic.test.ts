import { fixtureTable, type FixtureRow } from './fixture-table.test.js';

const ROWS: FixtureRow[] = [
  {
    name: 'generic: HTML-only body, numbers, date, time and hex id out of the key',
    fixture: 'generic-html-only.eml',
    expected: {
      source: 'generic',
      parser: 'generic@1',
      key: 'generic-29e64c97203cbe9d',
      status: 'firing',
      severity: 'error',
      summary: 'Backup job 4711 FAILED at 2024-05-14 03:00 (run 7f3a9c21e0)',
      labels: { sender: 'backup@nas.example.com' },
      why: [
        { field: 'source', from: 'default', detail: 'no built-in parser recognised the mail' },
        { field: 'key', from: 'From and Subject', detail: 'sender backup@nas.example.com and subject "backup job at (run" (numbers, dates, times, ids and verdict words left out)' },
        { field: 'status', from: 'Subject', detail: '"FAILED" is firing' },
        { field: 'severity', from: 'Subject', detail: '"FAILED" is error' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'labels', from: 'From', detail: 'the sender' },
      ],
    },
  },
  {
    name: 'generic: no Subject at all',
    fixture: 'generic-missing-subject.eml',
    expected: {
      source: 'generic',
      parser: 'generic@1',
      key: 'generic-bcc142e722a91f40',
      status: 'info',
      severity: 'info',
      summary: '(no subject) from root@db1.example.com',
      labels: { sender: 'root@db1.example.com' },
      why: [
        { field: 'source', from: 'default', detail: 'no built-in parser recognised the mail' },
        { field: 'key', from: 'From and Subject', detail: 'sender root@db1.example.com and subject "" (numbers, dates, times, ids and verdict words left out)' },
        { field: 'status', from: 'default', detail: 'no verdict word in the subject: info' },
        { field: 'severity', from: 'default', detail: 'info' },
        { field: 'summary', from: 'From', detail: 'the mail has no Subject' },
        { field: 'labels', from: 'From', detail: 'the sender' },
      ],
    },
  },
  {
    name: 'generic: Nagios PROBLEM … CRITICAL',
    fixture: 'generic-nagios-problem.eml',
    expected: {
      source: 'generic',
      parser: 'generic@1',
      key: 'generic-017504e267bd4092',
      status: 'firing',
      severity: 'critical',
      summary: '** PROBLEM Service Alert: db1/Disk /data is CRITICAL **',
      labels: { sender: 'nagios@mon.example.com' },
      why: [
        { field: 'source', from: 'default', detail: 'no built-in parser recognised the mail' },
        { field: 'key', from: 'From and Subject', detail: 'sender nagios@mon.example.com and subject "service db1/disk /data is" (numbers, dates, times, ids and verdict words left out)' },
        { field: 'status', from: 'Subject', detail: '"CRITICAL" is firing' },
        { field: 'severity', from: 'Subject', detail: '"CRITICAL" is critical' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'labels', from: 'From', detail: 'the sender' },
      ],
    },
  },
  {
    name: 'generic: Nagios RECOVERY … OK resolves the same key',
    fixture: 'generic-nagios-recovery.eml',
    expected: {
      source: 'generic',
      parser: 'generic@1',
      key: 'generic-017504e267bd4092',
      status: 'resolved',
      severity: 'info',
      summary: '** RECOVERY Service Alert: db1/Disk /data is OK **',
      labels: { sender: 'nagios@mon.example.com' },
      why: [
        { field: 'source', from: 'default', detail: 'no built-in parser recognised the mail' },
        { field: 'key', from: 'From and Subject', detail: 'sender nagios@mon.example.com and subject "service db1/disk /data is" (numbers, dates, times, ids and verdict words left out)' },
        { field: 'status', from: 'Subject', detail: '"RECOVERY" is resolved' },
        { field: 'severity', from: 'Subject', detail: '"RECOVERY" is info' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'labels', from: 'From', detail: 'the sender' },
      ],
    },
  },
  {
    name: 'a GoCD admin mail (Server Backup Failed) is no stage mail: generic',
    fixture: 'gocd-admin-backup-failed.eml',
    expected: {
      source: 'generic',
      parser: 'generic@1',
      key: 'generic-a7e0ce9ad54f667e',
      status: 'firing',
      severity: 'error',
      summary: 'Server Backup Failed',
      labels: { sender: 'go@example.com' },
      why: [
        { field: 'source', from: 'default', detail: 'no built-in parser recognised the mail' },
        { field: 'key', from: 'From and Subject', detail: 'sender go@example.com and subject "server backup" (numbers, dates, times, ids and verdict words left out)' },
        { field: 'status', from: 'Subject', detail: '"Failed" is firing' },
        { field: 'severity', from: 'Subject', detail: '"Failed" is error' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'labels', from: 'From', detail: 'the sender' },
      ],
    },
  },
  {
    name: "regression: a person's Re: to a Jenkins failure is their conversation (generic info), not the job failing again",
    fixture: 'jenkins-human-reply.eml',
    expected: {
      source: 'generic',
      parser: 'generic@1',
      key: 'generic-708f5adbd9fa6bdb',
      status: 'info',
      severity: 'info',
      summary: 'Re: Build failed in Jenkins: team » api #12',
      labels: {
        sender: 'alice@example.com',
      },
      why: [
        {
          field: 'source',
          from: 'Subject',
          detail: '"Re:" in front of a jenkins subject: a person\'s reply or forward',
        },
        {
          field: 'key',
          from: 'From and Subject',
          detail: 'sender alice@example.com and subject "build in jenkins: team api" (numbers, dates, times, ids and verdict words left out)',
        },
        {
          field: 'status',
          from: 'Subject',
          detail: 'a reply or forward is no alert: info',
        },
        {
          field: 'severity',
          from: 'Subject',
          detail: 'a reply or forward is no alert: info',
        },
        {
          field: 'summary',
          from: 'Subject',
          detail: 'the subject',
        },
        {
          field: 'labels',
          from: 'From',
          detail: 'the sender',
        },
      ],
    },
  },
  {
    name: 'regression: an Outlook FW: of a GoCD stage mail is generic info, not the stage failing again',
    fixture: 'gocd-forwarded.eml',
    expected: {
      source: 'generic',
      parser: 'generic@1',
      key: 'generic-e6cc2d11b79df5c3',
      status: 'info',
      severity: 'info',
      summary: 'FW: Stage [my-pipeline/7/my-stage/1] failed',
      labels: {
        sender: 'bob@example.com',
      },
      why: [
        {
          field: 'source',
          from: 'Subject',
          detail: '"FW:" in front of a gocd subject: a person\'s reply or forward',
        },
        {
          field: 'key',
          from: 'From and Subject',
          detail: 'sender bob@example.com and subject "stage [my-pipeline/ /my-stage/" (numbers, dates, times, ids and verdict words left out)',
        },
        {
          field: 'status',
          from: 'Subject',
          detail: 'a reply or forward is no alert: info',
        },
        {
          field: 'severity',
          from: 'Subject',
          detail: 'a reply or forward is no alert: info',
        },
        {
          field: 'summary',
          from: 'Subject',
          detail: 'the subject',
        },
        {
          field: 'labels',
          from: 'From',
          detail: 'the sender',
        },
      ],
    },
  },
];

fixtureTable('the generic fallback', ROWS);
