import { fixtureTable, type FixtureRow } from './fixture-table.test.js';

const ROWS: FixtureRow[] = [
  {
    name: 'GoCD is broken: a real quoted-printable stage mail',
    fixture: 'gocd-breaks.eml',
    expected: {
      source: 'gocd', parser: 'gocd@1', key: 'gocd-bb62f05f8e7f047b', status: 'firing', severity: 'error', summary: 'Stage [my-pipeline/6/my-stage/1] is broken',
      labels: { pipeline: 'my-pipeline', stage: 'my-stage', pipeline_counter: '6', stage_counter: '1', event: 'BREAKS' },
      why: [
        { field: 'source', from: 'Subject', detail: 'Stage [pipeline/counter/stage/counter] …' },
        { field: 'key', from: 'Subject', detail: 'pipeline/stage my-pipeline/my-stage (counters left out)' },
        { field: 'status', from: 'Subject', detail: '"is broken" is BREAKS: firing' },
        { field: 'severity', from: 'Subject', detail: 'BREAKS is error' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'labels', from: 'Subject', detail: 'pipeline, stage and counters from the stage locator' },
      ],
    },
  },
  {
    name: 'GoCD is cancelled: info',
    fixture: 'gocd-cancelled.eml',
    expected: {
      source: 'gocd', parser: 'gocd@1', key: 'gocd-34b874638f87542b', status: 'info', severity: 'info', summary: 'Stage [deploy-web/41/prod/1] is cancelled',
      labels: { pipeline: 'deploy-web', stage: 'prod', pipeline_counter: '41', stage_counter: '1', event: 'CANCELLED' },
      why: [
        { field: 'source', from: 'Subject', detail: 'Stage [pipeline/counter/stage/counter] …' },
        { field: 'key', from: 'Subject', detail: 'pipeline/stage deploy-web/prod (counters left out)' },
        { field: 'status', from: 'Subject', detail: '"is cancelled" is CANCELLED: info' },
        { field: 'severity', from: 'Subject', detail: 'CANCELLED is info' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'labels', from: 'Subject', detail: 'pipeline, stage and counters from the stage locator' },
      ],
    },
  },
  {
    name: 'GoCD failed, the subject folded before the wording',
    fixture: 'gocd-fails-folded.eml',
    expected: {
      source: 'gocd', parser: 'gocd@1', key: 'gocd-bb62f05f8e7f047b', status: 'firing', severity: 'error', summary: 'Stage [my-pipeline/7/my-stage/1] failed',
      labels: { pipeline: 'my-pipeline', stage: 'my-stage', pipeline_counter: '7', stage_counter: '1', event: 'FAILS' },
      why: [
        { field: 'source', from: 'Subject', detail: 'Stage [pipeline/counter/stage/counter] …' },
        { field: 'key', from: 'Subject', detail: 'pipeline/stage my-pipeline/my-stage (counters left out)' },
        { field: 'status', from: 'Subject', detail: '"failed" is FAILS: firing' },
        { field: 'severity', from: 'Subject', detail: 'FAILS is error' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'labels', from: 'Subject', detail: 'pipeline, stage and counters from the stage locator' },
      ],
    },
  },
  {
    name: 'GoCD is fixed: the same key as the break',
    fixture: 'gocd-fixed.eml',
    expected: {
      source: 'gocd', parser: 'gocd@1', key: 'gocd-bb62f05f8e7f047b', status: 'resolved', severity: 'info', summary: 'Stage [my-pipeline/8/my-stage/2] is fixed',
      labels: { pipeline: 'my-pipeline', stage: 'my-stage', pipeline_counter: '8', stage_counter: '2', event: 'FIXED' },
      why: [
        { field: 'source', from: 'Subject', detail: 'Stage [pipeline/counter/stage/counter] …' },
        { field: 'key', from: 'Subject', detail: 'pipeline/stage my-pipeline/my-stage (counters left out)' },
        { field: 'status', from: 'Subject', detail: '"is fixed" is FIXED: resolved' },
        { field: 'severity', from: 'Subject', detail: 'FIXED is info' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'labels', from: 'Subject', detail: 'pipeline, stage and counters from the stage locator' },
      ],
    },
  },
  {
    name: 'GoCD passed in an RFC 2047 Q-encoded subject',
    fixture: 'gocd-passes-encoded.eml',
    expected: {
      source: 'gocd', parser: 'gocd@1', key: 'gocd-bb62f05f8e7f047b', status: 'resolved', severity: 'info', summary: 'Stage [my-pipeline/9/my-stage/1] passed',
      labels: { pipeline: 'my-pipeline', stage: 'my-stage', pipeline_counter: '9', stage_counter: '1', event: 'PASSES' },
      why: [
        { field: 'source', from: 'Subject', detail: 'Stage [pipeline/counter/stage/counter] …' },
        { field: 'key', from: 'Subject', detail: 'pipeline/stage my-pipeline/my-stage (counters left out)' },
        { field: 'status', from: 'Subject', detail: '"passed" is PASSES: resolved' },
        { field: 'severity', from: 'Subject', detail: 'PASSES is info' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'labels', from: 'Subject', detail: 'pipeline, stage and counters from the stage locator' },
      ],
    },
  },
];

fixtureTable('GoCD stage mails: all five events', ROWS);
