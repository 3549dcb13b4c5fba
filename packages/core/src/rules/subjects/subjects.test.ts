import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFacts } from '../facts.js';
import { parseAlertmanagerSubject } from './alertmanager.js';
import { correctStageEvent, parseGocdSubject } from './gocd.js';
import { parseJenkins } from './jenkins.js';
import type { GocdEvent, StageResult } from '../types.js';

const ENVELOPE = { from: 'go@example.com', to: ['mail2alert@example.com'] };

/** Facts from a raw header section, as the router builds them. */
function subjectOf(headers: string): string {
  return buildFacts(ENVELOPE, headers).subject;
}

test('GoCD subjects: every wording, prefixes, folding, encoding and odd spacing', async (t) => {
  const cases: Array<{ name: string; headers: string; pipeline?: string; stage?: string; event?: GocdEvent | undefined; none?: true }> = [
    { name: 'passed', headers: 'Subject: Stage [my-pipeline/232/my-stage/1] passed\r\n\r\n', pipeline: 'my-pipeline', stage: 'my-stage', event: 'PASSES' },
    { name: 'failed', headers: 'Subject: Stage [my-pipeline/232/my-stage/1] failed\r\n\r\n', event: 'FAILS' },
    { name: 'is broken', headers: 'Subject: Stage [my-pipeline/6/my-stage/1] is broken\r\n\r\n', event: 'BREAKS' },
    { name: 'is fixed', headers: 'Subject: Stage [my-pipeline/232/my-stage/1] is fixed\r\n\r\n', event: 'FIXED' },
    { name: 'is cancelled', headers: 'Subject: Stage [my-pipeline/232/my-stage/1] is cancelled\r\n\r\n', event: 'CANCELLED' },
    { name: 'a Re: prefix still matches (search, not match)', headers: 'Subject: Re: Stage [p/1/s/1] failed\r\n\r\n', pipeline: 'p', event: 'FAILS' },
    // mail2alert test_parse_linefeed_in_subject
    { name: 'a folded subject (mail2alert test_parse_linefeed_in_subject)', headers: 'Subject: Stage [my-pipeline/2/stage/1] \r\n failed\r\n\r\n', pipeline: 'my-pipeline', event: 'FAILS' },
    { name: 'a fold inside "is broken" (mail2alert lost it)', headers: 'Subject: Stage [my-pipeline/2/stage/1] is\r\n   broken\r\n\r\n', event: 'BREAKS' },
    { name: 'an RFC 2047-encoded subject', headers: 'Subject: =?UTF-8?Q?Stage_[my-pipeline/2/stage/1]_is_fixed?=\r\n\r\n', event: 'FIXED' },
    { name: 'tabs and runs of blanks count as one', headers: 'Subject:\tStage  [p/2/s/1]\t\tpassed  \r\n\r\n', pipeline: 'p', event: 'PASSES' },
    { name: 'LF-only line endings', headers: 'Subject: Stage [p/2/s/1] is broken\n\n', event: 'BREAKS' },
    // mail2alert test_parse_unexpected
    {
      name: 'an unknown wording keeps the pipeline with no event (mail2alert test_parse_unexpected)',
      headers: 'Subject: Stage [my-pipeline/2/stage/1] other\r\n\r\n',
      pipeline: 'my-pipeline',
      event: undefined,
    },
    { name: 'not a stage subject', headers: 'Subject: Server Backup Completed Successfully\r\n\r\n', none: true },
    { name: 'no Subject at all is an empty subject', headers: 'From: go@example.com\r\n\r\n', none: true },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const stage = parseGocdSubject(subjectOf(c.headers));
      if (c.none) return assert.equal(stage, undefined);
      assert.ok(stage);
      if (c.pipeline) assert.equal(stage.pipeline, c.pipeline);
      if (c.stage) assert.equal(stage.stage, c.stage);
      assert.equal(stage.event, c.event);
    });
  }
});

test('the counters are kept', () => {
  assert.deepEqual(parseGocdSubject('Stage [up42/232/build/3] passed'), {
    source: 'gocd',
    pipeline: 'up42',
    pipelineCounter: '232',
    stage: 'build',
    stageCounter: '3',
    subjectEvent: 'PASSES',
    event: 'PASSES',
    corrected: false,
  });
});

test('BREAKS/FIXED correction from the previous result (mail2alert test_gocd.py and BuildState table)', async (t) => {
  const cases: Array<[string, StageResult | undefined, GocdEvent]> = [
    ['failed', 'success', 'BREAKS'],
    ['passed', 'failure', 'FIXED'],
    ['is broken', 'failure', 'BREAKS'],
    ['is fixed', 'success', 'FIXED'],
    ['passed', 'success', 'PASSES'],
    ['failed', 'failure', 'FAILS'],
    ['failed', 'unknown', 'FAILS'],
    ['passed', undefined, 'PASSES'],
    ['is cancelled', 'success', 'CANCELLED'],
    ['is cancelled', 'failure', 'CANCELLED'],
  ];
  for (const [wording, previous, expected] of cases) {
    await t.test(`"${wording}" after ${previous ?? 'nothing'} is ${expected}`, () => {
      const stage = correctStageEvent(parseGocdSubject(`Stage [p/2/s/1] ${wording}`)!, previous);
      assert.equal(stage.event, expected);
      assert.equal(stage.corrected, stage.event !== stage.subjectEvent);
    });
  }
});

test('Jenkins Mailer and email-ext subjects and headers', async (t) => {
  const cases: Array<{ subject: string; headers?: string; job?: string; build?: number; status?: string; none?: true }> = [
    { subject: 'Build failed in Jenkins: api #12', job: 'api', build: 12, status: 'FAILURE' },
    { subject: 'Jenkins build is back to normal : api #13', job: 'api', build: 13, status: 'FIXED' },
    { subject: 'Jenkins build is back to stable : api #13', status: 'FIXED' },
    { subject: 'Jenkins build became unstable:  api #14', job: 'api', status: 'UNSTABLE' },
    { subject: 'Jenkins build is still unstable: api #15', status: 'STILL_UNSTABLE' },
    { subject: 'Jenkins build is unstable: api #14', status: 'UNSTABLE' },
    { subject: 'Build failed in Jenkins: team » api #12', job: 'team/api', status: 'FAILURE' },
    { subject: 'team » api - Build # 12 - Failure!', job: 'team/api', build: 12, status: 'FAILURE' },
    { subject: 'api - Build # 7 - Still Failing!', status: 'STILL_FAILING' },
    { subject: 'api - Build # 7 - Successful!', status: 'SUCCESS' },
    { subject: 'api - Build # 7 - Not Built!', status: 'NOT_BUILT' },
    { subject: 'Custom subject', headers: 'X-Jenkins-Job: folder/api\r\nX-Jenkins-Result: ABORTED\r\n', job: 'folder/api', status: 'ABORTED' },
    { subject: 'Build failed in Jenkins: api display #3', headers: 'X-Jenkins-Job: folder/api\r\n', job: 'folder/api', status: 'FAILURE' },
    { subject: 'Stage [p/1/s/1] failed', none: true },
  ];
  for (const c of cases) {
    await t.test(c.subject, () => {
      const facts = buildFacts(ENVELOPE, `Subject: ${c.subject}\r\n${c.headers ?? ''}\r\n`);
      const build = parseJenkins(facts.subject, facts.headers);
      if (c.none) return assert.equal(build, undefined);
      assert.ok(build);
      if (c.job) assert.equal(build.job, c.job);
      if (c.build) assert.equal(build.build, c.build);
      assert.equal(build.status, c.status);
    });
  }
});

test('Alertmanager subjects', async (t) => {
  const cases = [
    { subject: '[FIRING:1] test (vm1 critical)', status: 'firing', firing: 1, alertname: 'test', labels: ['test', 'vm1', 'critical'] },
    { subject: '[RESOLVED] test (vm1)', status: 'resolved', firing: undefined, alertname: 'test', labels: ['test', 'vm1'] },
    { subject: '[FIRING:2] InstanceDown ', status: 'firing', firing: 2, alertname: 'InstanceDown', labels: ['InstanceDown'] },
    { subject: '[FIRING] InstanceDown on web1:9100', status: 'firing', firing: undefined, alertname: 'InstanceDown', labels: ['InstanceDown', 'on', 'web1:9100'] },
  ];
  for (const c of cases) {
    await t.test(c.subject, () => {
      const { subject, ...expected } = c;
      assert.deepEqual(parseAlertmanagerSubject(subjectOf(`Subject: ${subject}\r\n\r\n`)), { source: 'alertmanager', ...expected });
    });
  }
  await t.test('an ordinary subject is not an alert', () => assert.equal(parseAlertmanagerSubject('FIRING squad'), undefined));
});
