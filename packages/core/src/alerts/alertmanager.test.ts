import { fixtureTable, type FixtureRow } from './fixture-table.test.js';

const ROWS: FixtureRow[] = [
  {
    name: 'Alertmanager default template, HTML-only body, severity among the common labels',
    fixture: 'alertmanager-firing-html-only.eml',
    expected: {
      source: 'alertmanager',
      parser: 'alertmanager@1',
      key: 'alertmanager-b040d6fc953d2e5a',
      status: 'firing',
      severity: 'critical',
      summary: '[FIRING:2] InstanceDown (node critical)',
      labels: { alertname: 'InstanceDown', group: 'InstanceDown', common: 'node critical', firing: '2', severity: 'critical' },
      why: [
        { field: 'source', from: 'Subject', detail: '[FIRING:2] prefix' },
        { field: 'key', from: 'Subject', detail: 'group label values "InstanceDown" (the parenthesised common labels left out)' },
        { field: 'status', from: 'Subject', detail: '[FIRING:n] is firing' },
        { field: 'severity', from: 'Subject', detail: 'label value "critical" is critical' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'labels', from: 'Subject', detail: 'alertname is the first group value (Alertmanager sorts it first)' },
      ],
    },
  },
  {
    name: 'Alertmanager Q-encoded non-ASCII label value',
    fixture: 'alertmanager-q-encoded.eml',
    expected: {
      source: 'alertmanager',
      parser: 'alertmanager@1',
      key: 'alertmanager-86ad9f0a0be8de97',
      status: 'firing',
      severity: 'warning',
      summary: '[FIRING:1] DiskFull büro-nas (warning)',
      labels: { alertname: 'DiskFull', group: 'DiskFull büro-nas', common: 'warning', firing: '1', severity: 'warning' },
      why: [
        { field: 'source', from: 'Subject', detail: '[FIRING:1] prefix' },
        { field: 'key', from: 'Subject', detail: 'group label values "DiskFull büro-nas" (the parenthesised common labels left out)' },
        { field: 'status', from: 'Subject', detail: '[FIRING:n] is firing' },
        { field: 'severity', from: 'Subject', detail: 'label value "warning" is warning' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'labels', from: 'Subject', detail: 'alertname is the first group value (Alertmanager sorts it first)' },
      ],
    },
  },
  {
    name: 'Alertmanager [RESOLVED] with fewer common labels keeps the key',
    fixture: 'alertmanager-resolved.eml',
    expected: {
      source: 'alertmanager',
      parser: 'alertmanager@1',
      key: 'alertmanager-b040d6fc953d2e5a',
      status: 'resolved',
      severity: 'info',
      summary: '[RESOLVED] InstanceDown (node)',
      labels: { alertname: 'InstanceDown', group: 'InstanceDown', common: 'node' },
      why: [
        { field: 'source', from: 'Subject', detail: '[RESOLVED] prefix' },
        { field: 'key', from: 'Subject', detail: 'group label values "InstanceDown" (the parenthesised common labels left out)' },
        { field: 'status', from: 'Subject', detail: '[RESOLVED] is resolved' },
        { field: 'severity', from: 'default', detail: 'a resolve is info' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'labels', from: 'Subject', detail: 'alertname is the first group value (Alertmanager sorts it first)' },
      ],
    },
  },
  {
    name: 'regression: a custom subject [FIRING] without a count (email_configs headers) is alertmanager firing, with the key of its [RESOLVED]',
    fixture: 'alertmanager-custom-subject-firing.eml',
    expected: {
      source: 'alertmanager',
      parser: 'alertmanager@1',
      key: 'alertmanager-d0545f42f5bba5a4',
      status: 'firing',
      severity: 'error',
      summary: '[FIRING] InstanceDown on web1.example.com:9100',
      labels: {
        alertname: 'InstanceDown',
        group: 'InstanceDown on web1.example.com:9100',
      },
      why: [
        {
          field: 'source',
          from: 'Subject',
          detail: '[FIRING] prefix',
        },
        {
          field: 'key',
          from: 'Subject',
          detail: 'group label values "InstanceDown on web1.example.com:9100" (the parenthesised common labels left out)',
        },
        {
          field: 'status',
          from: 'Subject',
          detail: '[FIRING] is firing',
        },
        {
          field: 'severity',
          from: 'default',
          detail: 'no severity label value in the subject: error',
        },
        {
          field: 'summary',
          from: 'Subject',
          detail: 'the subject',
        },
        {
          field: 'labels',
          from: 'Subject',
          detail: 'alertname is the first group value (Alertmanager sorts it first)',
        },
      ],
    },
  },
  {
    name: "a custom subject's [RESOLVED] resolves the same key",
    fixture: 'alertmanager-custom-subject-resolved.eml',
    expected: {
      source: 'alertmanager',
      parser: 'alertmanager@1',
      key: 'alertmanager-d0545f42f5bba5a4',
      status: 'resolved',
      severity: 'info',
      summary: '[RESOLVED] InstanceDown on web1.example.com:9100',
      labels: {
        alertname: 'InstanceDown',
        group: 'InstanceDown on web1.example.com:9100',
      },
      why: [
        {
          field: 'source',
          from: 'Subject',
          detail: '[RESOLVED] prefix',
        },
        {
          field: 'key',
          from: 'Subject',
          detail: 'group label values "InstanceDown on web1.example.com:9100" (the parenthesised common labels left out)',
        },
        {
          field: 'status',
          from: 'Subject',
          detail: '[RESOLVED] is resolved',
        },
        {
          field: 'severity',
          from: 'default',
          detail: 'a resolve is info',
        },
        {
          field: 'summary',
          from: 'Subject',
          detail: 'the subject',
        },
        {
          field: 'labels',
          from: 'Subject',
          detail: 'alertname is the first group value (Alertmanager sorts it first)',
        },
      ],
    },
  },
];

fixtureTable("Alertmanager's default email", ROWS);
