import { fixtureTable, type FixtureRow } from './fixture-table.test.js';

const ROWS: FixtureRow[] = [
  {
    name: 'unattended-upgrades FAILURE is an error',
    fixture: 'unattended-upgrades-failure.eml',
    expected: {
      source: 'unattended-upgrades',
      parser: 'unattended-upgrades@1',
      key: 'unattended-upgrades-927e89065949ad7e',
      status: 'firing',
      severity: 'error',
      summary: 'unattended-upgrades result for db1.example.com: FAILURE',
      host: 'db1.example.com',
      labels: { result: 'FAILURE' },
      why: [
        { field: 'source', from: 'Subject', detail: 'unattended-upgrades result for <host>: …' },
        { field: 'key', from: 'Subject', detail: 'host db1.example.com' },
        { field: 'status', from: 'Subject', detail: 'FAILURE is firing' },
        { field: 'severity', from: 'Subject', detail: 'FAILURE is an error' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'host', from: 'Subject', detail: 'result for db1.example.com' },
        { field: 'labels', from: 'Subject', detail: 'result and the [reboot required] / [package on hold] flags' },
      ],
    },
  },
  {
    name: 'unattended-upgrades before 1.x: quoted host and True',
    fixture: 'unattended-upgrades-old.eml',
    expected: {
      source: 'unattended-upgrades',
      parser: 'unattended-upgrades@1',
      key: 'unattended-upgrades-bfaed36c9d9f2da3',
      status: 'resolved',
      severity: 'info',
      summary: "unattended-upgrades result for 'db1': True",
      host: 'db1',
      labels: { result: 'SUCCESS' },
      why: [
        { field: 'source', from: 'Subject', detail: 'unattended-upgrades result for <host>: …' },
        { field: 'key', from: 'Subject', detail: 'host db1' },
        { field: 'status', from: 'Subject', detail: 'True is resolved' },
        { field: 'severity', from: 'Subject', detail: 'True is info' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'host', from: 'Subject', detail: 'result for db1' },
        { field: 'labels', from: 'Subject', detail: 'result and the [reboot required] / [package on hold] flags' },
      ],
    },
  },
  {
    name: 'unattended-upgrades [reboot required], folded subject, is a firing warning',
    fixture: 'unattended-upgrades-reboot.eml',
    expected: {
      source: 'unattended-upgrades',
      parser: 'unattended-upgrades@1',
      key: 'unattended-upgrades-927e89065949ad7e',
      status: 'firing',
      severity: 'warning',
      summary: '[reboot required] unattended-upgrades result for db1.example.com: SUCCESS',
      host: 'db1.example.com',
      labels: { result: 'SUCCESS', reboot_required: 'true' },
      why: [
        { field: 'source', from: 'Subject', detail: 'unattended-upgrades result for <host>: …' },
        { field: 'key', from: 'Subject', detail: 'host db1.example.com' },
        { field: 'status', from: 'Subject', detail: 'SUCCESS but [reboot required] is firing' },
        { field: 'severity', from: 'Subject', detail: '[reboot required] is a warning' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'host', from: 'Subject', detail: 'result for db1.example.com' },
        { field: 'labels', from: 'Subject', detail: 'result and the [reboot required] / [package on hold] flags' },
      ],
    },
  },
  {
    name: 'unattended-upgrades SUCCESS resolves',
    fixture: 'unattended-upgrades-success.eml',
    expected: {
      source: 'unattended-upgrades',
      parser: 'unattended-upgrades@1',
      key: 'unattended-upgrades-927e89065949ad7e',
      status: 'resolved',
      severity: 'info',
      summary: 'unattended-upgrades result for db1.example.com: SUCCESS',
      host: 'db1.example.com',
      labels: { result: 'SUCCESS' },
      why: [
        { field: 'source', from: 'Subject', detail: 'unattended-upgrades result for <host>: …' },
        { field: 'key', from: 'Subject', detail: 'host db1.example.com' },
        { field: 'status', from: 'Subject', detail: 'SUCCESS is resolved' },
        { field: 'severity', from: 'Subject', detail: 'SUCCESS is info' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'host', from: 'Subject', detail: 'result for db1.example.com' },
        { field: 'labels', from: 'Subject', detail: 'result and the [reboot required] / [package on hold] flags' },
      ],
    },
  },
  {
    name: "regression: a German server's subject ([Neustart erforderlich] Ergebnis der automatischen Systemaktualisierung für …) is the same reboot warning with the same key",
    fixture: 'unattended-upgrades-de-reboot.eml',
    expected: {
      source: 'unattended-upgrades',
      parser: 'unattended-upgrades@1',
      key: 'unattended-upgrades-927e89065949ad7e',
      status: 'firing',
      severity: 'warning',
      summary: '[Neustart erforderlich] Ergebnis der automatischen Systemaktualisierung für db1.example.com: SUCCESS',
      host: 'db1.example.com',
      labels: {
        result: 'SUCCESS',
        reboot_required: 'true',
      },
      why: [
        {
          field: 'source',
          from: 'Subject',
          detail: 'unattended-upgrades result for <host>: … (translated: de)',
        },
        {
          field: 'key',
          from: 'Subject',
          detail: 'host db1.example.com',
        },
        {
          field: 'status',
          from: 'Subject',
          detail: 'SUCCESS but [reboot required] is firing',
        },
        {
          field: 'severity',
          from: 'Subject',
          detail: '[reboot required] is a warning',
        },
        {
          field: 'summary',
          from: 'Subject',
          detail: 'the subject',
        },
        {
          field: 'host',
          from: 'Subject',
          detail: 'result for db1.example.com',
        },
        {
          field: 'labels',
          from: 'Subject',
          detail: 'result and the [reboot required] / [package on hold] flags',
        },
      ],
    },
  },
  {
    name: 'regression: French, flags after the first word, a no-break space before the colon: FAILURE with [Paquet bloqué]',
    fixture: 'unattended-upgrades-fr-failure.eml',
    expected: {
      source: 'unattended-upgrades',
      parser: 'unattended-upgrades@1',
      key: 'unattended-upgrades-927e89065949ad7e',
      status: 'firing',
      severity: 'error',
      summary: "Résultat [Paquet bloqué] d'unattended-upgrades pour db1.example.com : FAILURE",
      host: 'db1.example.com',
      labels: {
        result: 'FAILURE',
        package_on_hold: 'true',
      },
      why: [
        {
          field: 'source',
          from: 'Subject',
          detail: 'unattended-upgrades result for <host>: … (translated: fr)',
        },
        {
          field: 'key',
          from: 'Subject',
          detail: 'host db1.example.com',
        },
        {
          field: 'status',
          from: 'Subject',
          detail: 'FAILURE is firing',
        },
        {
          field: 'severity',
          from: 'Subject',
          detail: 'FAILURE is an error',
        },
        {
          field: 'summary',
          from: 'Subject',
          detail: 'the subject',
        },
        {
          field: 'host',
          from: 'Subject',
          detail: 'result for db1.example.com',
        },
        {
          field: 'labels',
          from: 'Subject',
          detail: 'result and the [reboot required] / [package on hold] flags',
        },
      ],
    },
  },
  {
    name: "regression: the oldest subject quotes the result too ('True'), same key as 'db1': True",
    fixture: 'unattended-upgrades-older-quoted.eml',
    expected: {
      source: 'unattended-upgrades',
      parser: 'unattended-upgrades@1',
      key: 'unattended-upgrades-bfaed36c9d9f2da3',
      status: 'resolved',
      severity: 'info',
      summary: "unattended-upgrades result for 'db1': 'True'",
      host: 'db1',
      labels: {
        result: 'SUCCESS',
      },
      why: [
        {
          field: 'source',
          from: 'Subject',
          detail: 'unattended-upgrades result for <host>: …',
        },
        {
          field: 'key',
          from: 'Subject',
          detail: 'host db1',
        },
        {
          field: 'status',
          from: 'Subject',
          detail: 'True is resolved',
        },
        {
          field: 'severity',
          from: 'Subject',
          detail: 'True is info',
        },
        {
          field: 'summary',
          from: 'Subject',
          detail: 'the subject',
        },
        {
          field: 'host',
          from: 'Subject',
          detail: 'result for db1',
        },
        {
          field: 'labels',
          from: 'Subject',
          detail: 'result and the [reboot required] / [package on hold] flags',
        },
      ],
    },
  },
];

fixtureTable("unattended-upgrades' result mails, old and new subjects", ROWS);
