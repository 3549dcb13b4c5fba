import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alertEvent } from '../alerts/registry.js';
import { buildFacts } from '../rules/facts.js';
import type { EvaluationContext } from '../rules/types.js';
import { matchExpectations, pingKind, type ExpectationMatch, type ExpectationPing } from './match.js';

const backup: ExpectationMatch = { name: 'nas-backup', match: { function: 'mail.in_subject', args: ['backup'] }, per: 'host' };
const anyCron: ExpectationMatch = { name: 'cron', match: { args: [], event: { source: 'cron' } } };
const gocdHourly: ExpectationMatch = { name: 'gocd-hourly', match: { function: 'pipelines.any', args: [] } };
const keywords: ExpectationMatch = { ...backup, name: 'kw', success_kw: ['completed'], failure_kw: ['error'] };

interface Case {
  name: string;
  subject: string;
  from?: string;
  body?: string;
  expectations: ExpectationMatch[];
  pings: ExpectationPing[];
  misses?: string[];
}

const CASES: Case[] = [
  {
    name: 'a cron mail from nas1 feeds the per-host expectation for nas1',
    subject: 'Cron <root@nas1> /usr/local/bin/backup',
    expectations: [backup],
    pings: [{ expectation: 'nas-backup', instance: 'nas1', kind: 'success' }],
  },
  { name: 'host names fold to lower case: NAS1 is nas1', subject: 'Cron <root@NAS1> backup', expectations: [backup], pings: [{ expectation: 'nas-backup', instance: 'nas1', kind: 'success' }] },
  { name: 'a mail the filter does not match feeds nothing', subject: 'Cron <root@nas1> /usr/bin/updatedb', expectations: [backup], pings: [] },
  { name: 'without per, every match is the one instance *', subject: 'Cron <root@web3> logrotate', expectations: [anyCron], pings: [{ expectation: 'cron', instance: '*', kind: 'success' }] },
  {
    name: 'one mail feeds every expectation it matches',
    subject: 'Cron <root@nas2> backup',
    expectations: [backup, anyCron],
    pings: [
      { expectation: 'nas-backup', instance: 'nas2', kind: 'success' },
      { expectation: 'cron', instance: '*', kind: 'success' },
    ],
  },
  { name: 'per: host and an event without a host: matched, but counts for no host', subject: 'backup done', expectations: [backup], pings: [], misses: ['nas-backup:no_instance'] },
  {
    name: 'a rule problem is no ping: a GoCD function without a snapshot',
    subject: 'Stage [p/1/s/1] passed',
    expectations: [{ ...gocdHourly, match: { function: 'pipelines.in_group', args: ['g'] } }],
    pings: [],
  },
  {
    name: 'a GoCD stage mail feeds a pipelines.any expectation',
    subject: 'Stage [p/1/s/1] passed',
    expectations: [gocdHourly],
    pings: [{ expectation: 'gocd-hourly', instance: '*', kind: 'success' }],
  },
  {
    name: 'success keyword in the body: success',
    subject: 'Cron <root@nas1> backup',
    body: 'backup completed in 3 min',
    expectations: [keywords],
    pings: [{ expectation: 'kw', instance: 'nas1', kind: 'success' }],
  },
  {
    name: 'failure keyword wins over a success keyword (healthchecks #533)',
    subject: 'Cron <root@nas1> backup',
    body: 'completed with ERROR on /vol2',
    expectations: [keywords],
    pings: [{ expectation: 'kw', instance: 'nas1', kind: 'failure' }],
  },
  { name: 'keywords ignore case (healthchecks #944)', subject: 'Cron <root@nas1> backup COMPLETED', expectations: [keywords], pings: [{ expectation: 'kw', instance: 'nas1', kind: 'success' }] },
  { name: 'success_kw given and neither word: ignored, not a ping', subject: 'Cron <root@nas1> backup', body: 'starting', expectations: [keywords], pings: [], misses: ['kw:no_keyword'] },
];

for (const c of CASES) {
  test(`matchExpectations: ${c.name}`, () => {
    const facts = buildFacts({ from: c.from ?? 'root@example.com', to: ['ops@example.com'] }, `Subject: ${c.subject}\r\n\r\n`, c.body);
    const context: EvaluationContext = { groups: null };
    const { pings, misses } = matchExpectations(c.expectations, facts, context, alertEvent(facts));
    assert.deepEqual(pings, c.pings);
    assert.deepEqual(
      misses.map((miss) => `${miss.expectation}:${miss.reason}`),
      c.misses ?? [],
    );
  });
}

test('pingKind: only failure_kw given, a mail without it is a success', () => {
  assert.equal(pingKind({ failure_kw: ['fail'] }, 'all good', undefined), 'success');
  assert.equal(pingKind({ failure_kw: ['fail'] }, 'backup FAILED', undefined), 'failure');
  assert.equal(pingKind({}, 'anything', undefined), 'success');
});
