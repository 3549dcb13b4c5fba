import { fixtureTable, type FixtureRow } from './fixture-table.test.js';

const ROWS: FixtureRow[] = [
  {
    name: 'a custom subject: the job and result come from X-Jenkins-*',
    fixture: 'jenkins-custom-subject-headers.eml',
    expected: {
      source: 'jenkins', parser: 'jenkins@1', key: 'jenkins-f7cc828e76b45573', status: 'info', severity: 'info', summary: 'nightly release report',
      labels: { job: 'release/nightly', result: 'ABORTED' },
      why: [
        { field: 'source', from: 'X-Jenkins-Job', detail: 'X-Jenkins-Job is set' },
        { field: 'key', from: 'X-Jenkins-Job', detail: 'job release/nightly (build number left out)' },
        { field: 'status', from: 'X-Jenkins-Result', detail: 'ABORTED is info' },
        { field: 'severity', from: 'X-Jenkins-Result', detail: 'ABORTED is info' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'labels', from: 'X-Jenkins-Job', detail: 'job, build number and result' },
      ],
    },
  },
  {
    name: 'email-ext default subject, base64-encoded, X-Jenkins-Job the short name',
    fixture: 'jenkins-email-ext-failure.eml',
    expected: {
      source: 'jenkins', parser: 'jenkins@1', key: 'jenkins-d4cd87b9f00fcac1', status: 'firing', severity: 'error', summary: 'team » api - Build # 12 - Failure!',
      labels: { job: 'team/api', build: '12', result: 'FAILURE' },
      why: [
        { field: 'source', from: 'Subject', detail: 'a Jenkins Mailer or email-ext subject' },
        { field: 'key', from: 'Subject', detail: 'job team/api (build number left out)' },
        { field: 'status', from: 'Subject', detail: 'FAILURE is firing' },
        { field: 'severity', from: 'Subject', detail: 'FAILURE is error' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'labels', from: 'Subject', detail: 'job, build number and result' },
      ],
    },
  },
  {
    name: 'email-ext Fixed! resolves the key the Mailer mails use',
    fixture: 'jenkins-email-ext-fixed.eml',
    expected: {
      source: 'jenkins', parser: 'jenkins@1', key: 'jenkins-d4cd87b9f00fcac1', status: 'resolved', severity: 'info', summary: 'team » api - Build # 13 - Fixed!',
      labels: { job: 'team/api', build: '13', result: 'FIXED' },
      why: [
        { field: 'source', from: 'Subject', detail: 'a Jenkins Mailer or email-ext subject' },
        { field: 'key', from: 'Subject', detail: 'job team/api (build number left out)' },
        { field: 'status', from: 'Subject', detail: 'FIXED is resolved' },
        { field: 'severity', from: 'Subject', detail: 'FIXED is info' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'labels', from: 'Subject', detail: 'job, build number and result' },
      ],
    },
  },
  {
    name: 'Jenkins Mailer: back to normal resolves the same key',
    fixture: 'jenkins-mailer-back-to-normal.eml',
    expected: {
      source: 'jenkins', parser: 'jenkins@1', key: 'jenkins-d4cd87b9f00fcac1', status: 'resolved', severity: 'info', summary: 'Jenkins build is back to normal : team » api #13',
      labels: { job: 'team/api', build: '13', result: 'FIXED' },
      why: [
        { field: 'source', from: 'Subject', detail: 'a Jenkins Mailer or email-ext subject' },
        { field: 'key', from: 'Subject', detail: 'job team/api (build number left out)' },
        { field: 'status', from: 'Subject', detail: 'FIXED is resolved' },
        { field: 'severity', from: 'Subject', detail: 'FIXED is info' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'labels', from: 'Subject', detail: 'job, build number and result' },
      ],
    },
  },
  {
    name: 'Jenkins Mailer: Build failed in Jenkins: folder » job #N',
    fixture: 'jenkins-mailer-failed.eml',
    expected: {
      source: 'jenkins', parser: 'jenkins@1', key: 'jenkins-d4cd87b9f00fcac1', status: 'firing', severity: 'error', summary: 'Build failed in Jenkins: team » api #12',
      labels: { job: 'team/api', build: '12', result: 'FAILURE' },
      why: [
        { field: 'source', from: 'Subject', detail: 'a Jenkins Mailer or email-ext subject' },
        { field: 'key', from: 'Subject', detail: 'job team/api (build number left out)' },
        { field: 'status', from: 'Subject', detail: 'FAILURE is firing' },
        { field: 'severity', from: 'Subject', detail: 'FAILURE is error' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'labels', from: 'Subject', detail: 'job, build number and result' },
      ],
    },
  },
  {
    name: 'Jenkins Mailer: became unstable (two blanks, LF line ends) is a warning',
    fixture: 'jenkins-mailer-unstable.eml',
    expected: {
      source: 'jenkins', parser: 'jenkins@1', key: 'jenkins-b909c27d8655d58c', status: 'firing', severity: 'warning', summary: 'Jenkins build became unstable: nightly #14',
      labels: { job: 'nightly', build: '14', result: 'UNSTABLE' },
      why: [
        { field: 'source', from: 'Subject', detail: 'a Jenkins Mailer or email-ext subject' },
        { field: 'key', from: 'Subject', detail: 'job nightly (build number left out)' },
        { field: 'status', from: 'Subject', detail: 'UNSTABLE is firing' },
        { field: 'severity', from: 'Subject', detail: 'UNSTABLE is warning' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'labels', from: 'Subject', detail: 'job, build number and result' },
      ],
    },
  },
];

fixtureTable('Jenkins Mailer and email-ext mails', ROWS);
