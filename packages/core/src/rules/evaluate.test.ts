import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alertKey } from '../alerts/key.js';
import { evaluate } from './evaluate.js';
import { buildFacts } from './facts.js';
import type { Decision, EvaluationContext, ManagerRules, PipelineGroup, RuleDefinition } from './types.js';

const GROUPS: PipelineGroup[] = [
  { name: 'my-group', pipelines: ['my-pipeline', 'ppp'] },
  { name: 'other-group', pipelines: ['other-pipeline'] },
];

const rule = (fn: string, args: string[], actions: string[], events?: RuleDefinition['filter']['events'], name?: string): RuleDefinition => ({
  actions,
  filter: { function: fn, args, ...(events ? { events } : {}) },
  ...(name ? { name } : {}),
});

const eventRule = (event: NonNullable<RuleDefinition['filter']['event']>, actions: string[], fn?: string, args: string[] = []): RuleDefinition => ({
  actions,
  filter: { ...(fn ? { function: fn } : {}), args, event },
});

const gocd = (rules: RuleDefinition[], extra: Partial<ManagerRules> = {}): ManagerRules => ({ name: 'gocd', kind: 'gocd', messages_we_want: { to: 'mail2alert@example.com' }, rules, ...extra });
const mail = (rules: RuleDefinition[], extra: Partial<ManagerRules> = {}): ManagerRules => ({ name: 'mail', kind: 'mail', messages_we_want: { from: 'go@example.com' }, rules, ...extra });

interface Case {
  name: string;
  managers: ManagerRules[];
  subject?: string | null;
  headers?: string;
  from?: string;
  to?: string[];
  body?: string;
  context?: Partial<EvaluationContext>;
  expected: Partial<Decision> & { action: Decision['action'] };
}

const CASES: Case[] = [
  // --- which manager takes the message
  {
    name: 'unwanted mail passes through',
    managers: [gocd([rule('pipelines.any', [], ['mailto:cat@example.com'])])],
    from: 'x@example.com',
    to: ['someone@example.com'],
    expected: { action: 'passthrough', manager: null, recipients: [] },
  },
  {
    name: 'messages-we-want.to compares case-insensitively',
    managers: [gocd([rule('pipelines.any', [], ['mailto:cat@example.com'])])],
    to: ['Mail2Alert@EXAMPLE.com'],
    expected: { action: 'deliver', manager: 'gocd', recipients: ['cat@example.com'] },
  },
  {
    name: 'messages-we-want.from compares case-insensitively',
    managers: [mail([rule('mail.in_subject', [], ['mailto:sys@example.com'])])],
    from: 'GO@example.com',
    to: ['x@example.com'],
    expected: { action: 'deliver', manager: 'mail' },
  },
  {
    name: 'the first wanting manager in config order wins (README: gocd before mail)',
    managers: [gocd([rule('pipelines.any', [], ['mailto:cat@example.com'])]), mail([rule('mail.in_subject', [], ['mailto:sys@example.com'])])],
    from: 'go@example.com',
    to: ['mail2alert@example.com'],
    expected: { action: 'deliver', manager: 'gocd', recipients: ['cat@example.com'] },
  },
  {
    name: 'two mail managers claiming different senders are both used',
    managers: [
      mail([rule('mail.in_subject', [], ['mailto:a@example.com'])], { name: 'mail' }),
      mail([rule('mail.in_subject', [], ['mailto:b@example.com'])], { name: 'mail-2', messages_we_want: { from: 'cron@example.com' } }),
    ],
    from: 'cron@example.com',
    to: ['x@example.com'],
    expected: { action: 'deliver', manager: 'mail-2', recipients: ['b@example.com'] },
  },
  {
    name: 'a list of addresses in messages_we_want (native)',
    managers: [mail([rule('mail.any', [], ['mailto:a@example.com'])], { messages_we_want: { to: ['x@example.com', 'y@example.com'] } })],
    from: 'z@example.com',
    to: ['y@example.com'],
    expected: { action: 'deliver', recipients: ['a@example.com'] },
  },

  // --- mail.in_subject (mail2alert plugin/mail.py)
  {
    name: 'mail.in_subject: all words, any order, case-insensitive',
    managers: [mail([rule('mail.in_subject', ['server', 'backup'], ['mailto:sys@example.com', 'mailto:op@example.com'])])],
    subject: 'Server Backup Completed Successfully',
    from: 'go@example.com',
    expected: { action: 'deliver', recipients: ['sys@example.com', 'op@example.com'] },
  },
  {
    name: 'mail.in_subject: one word missing is no match, and the wanted mail is dropped',
    managers: [mail([rule('mail.in_subject', ['server', 'backup'], ['mailto:sys@example.com'])])],
    subject: 'Stage [my-pipeline/2/my-stage/1] is broken',
    from: 'go@example.com',
    expected: { action: 'drop', dropReason: 'no_rule_matched' },
  },
  {
    name: 'mail.in_subject: substrings match without word boundaries ("server" in "observers")',
    managers: [mail([rule('mail.in_subject', ['server'], ['mailto:sys@example.com'])])],
    subject: 'Notes for observers',
    from: 'go@example.com',
    expected: { action: 'deliver' },
  },
  {
    name: 'mail.in_subject: no words match everything',
    managers: [mail([rule('mail.in_subject', [], ['mailto:sys@example.com'])])],
    subject: 'anything',
    from: 'go@example.com',
    expected: { action: 'deliver' },
  },
  {
    name: 'mail.in_subject: a missing Subject is an empty subject, not a crash (mail2alert answered 500)',
    managers: [mail([rule('mail.in_subject', ['backup'], ['mailto:sys@example.com'])])],
    subject: null,
    from: 'go@example.com',
    expected: { action: 'drop', problems: [] },
  },
  {
    name: 'mail.in_subject: an RFC 2047-encoded subject is decoded first',
    managers: [mail([rule('mail.in_subject', ['sauvegarde', 'échouée'], ['mailto:sys@example.com'])])],
    subject: '=?UTF-8?Q?Sauvegarde_=C3=A9chou=C3=A9e?=',
    from: 'go@example.com',
    expected: { action: 'deliver' },
  },

  // --- native mail functions
  {
    name: 'mail.subject_matches',
    managers: [mail([rule('mail.subject_matches', ['^cron <root@\\w+>'], ['mailto:ops@example.com'])])],
    subject: 'Cron <root@db1> /usr/local/bin/backup',
    from: 'go@example.com',
    expected: { action: 'deliver' },
  },
  {
    name: 'mail.header_matches on a decoded header',
    managers: [mail([rule('mail.header_matches', ['X-Priority', '^1'], ['mailto:ops@example.com'])])],
    headers: 'X-Priority: 1 (Highest)\r\n',
    from: 'go@example.com',
    expected: { action: 'deliver' },
  },
  {
    name: 'mail.header_matches: an absent header is no match',
    managers: [mail([rule('mail.header_matches', ['X-Priority', '.'], ['mailto:ops@example.com'])])],
    from: 'go@example.com',
    expected: { action: 'drop' },
  },
  {
    name: 'mail.from_matches the From header address',
    managers: [mail([rule('mail.from_matches', ['@db\\d\\.example\\.com$'], ['mailto:dba@example.com'])], { messages_we_want: { to: 'root@example.com' } })],
    headers: 'From: Cron Daemon <root@db1.example.com>\r\n',
    from: 'bounce@example.com',
    to: ['root@example.com'],
    expected: { action: 'deliver', recipients: ['dba@example.com'] },
  },
  {
    name: 'mail.to_matches an envelope recipient',
    managers: [mail([rule('mail.to_matches', ['^security@'], ['mailto:sec@example.com'])], { messages_we_want: { from: 'fail2ban@example.com' } })],
    from: 'fail2ban@example.com',
    to: ['security@example.com'],
    expected: { action: 'deliver', recipients: ['sec@example.com'] },
  },
  {
    name: 'mail.body_contains reads the decoded body',
    managers: [mail([rule('mail.body_contains', ['packages', 'upgraded'], ['mailto:ops@example.com'])])],
    body: 'The following packages were upgraded: openssl',
    from: 'go@example.com',
    expected: { action: 'deliver' },
  },
  {
    name: 'mail.body_contains without a body is a rule error, never a silent drop',
    managers: [mail([rule('mail.body_contains', ['x'], ['mailto:ops@example.com'])])],
    from: 'go@example.com',
    expected: { action: 'passthrough', manager: 'mail' },
  },

  // --- gocd: pipelines.* and events (mail2alert plugin/gocd.py and test_gocd.py)
  {
    name: 'pipelines.in_group with a matching event',
    managers: [gocd([rule('pipelines.in_group', ['my-group'], ['mailto:cat@example.com'], ['BREAKS'])])],
    subject: 'Stage [my-pipeline/2/my-stage/1] is broken',
    expected: { action: 'deliver', recipients: ['cat@example.com'], rule: 'rules[0] pipelines.in_group(my-group)' },
  },
  {
    name: 'pipelines.in_group with the wrong event is no match',
    managers: [gocd([rule('pipelines.in_group', ['my-group'], ['mailto:cat@example.com'], ['BREAKS'])])],
    subject: 'Stage [my-pipeline/2/my-stage/1] passed',
    expected: { action: 'drop', dropReason: 'no_rule_matched' },
  },
  {
    name: 'pipelines.in_group with a pipeline of another group is no match',
    managers: [gocd([rule('pipelines.in_group', ['my-group'], ['mailto:cat@example.com'], ['BREAKS'])])],
    subject: 'Stage [other-pipeline/2/s/1] is broken',
    expected: { action: 'drop' },
  },
  {
    name: 'pipelines.in_group compares GoCD names case-insensitively',
    managers: [gocd([rule('pipelines.in_group', ['My-Group'], ['mailto:cat@example.com'])])],
    subject: 'Stage [MY-PIPELINE/2/s/1] is broken',
    expected: { action: 'deliver' },
  },
  {
    name: 'events: a stage mail with an unknown wording never matches a rule with events (event None)',
    managers: [gocd([rule('pipelines.any', [], ['mailto:cat@example.com'], ['BREAKS'])])],
    subject: 'Stage [my-pipeline/2/s/1] other',
    expected: { action: 'drop' },
  },
  {
    name: 'no events key: the function decides for any event',
    managers: [gocd([rule('pipelines.in_group', ['my-group'], ['mailto:cat@example.com'])])],
    subject: 'Stage [my-pipeline/2/s/1] passed',
    expected: { action: 'deliver' },
  },
  {
    name: 'pipelines.any without events matches even a non-stage mail (as in mail2alert)',
    managers: [gocd([rule('pipelines.any', [], ['mailto:cat@example.com'])])],
    subject: 'Server Backup Completed Successfully',
    expected: { action: 'deliver' },
  },
  {
    name: 'pipelines.all is the deprecated alias of pipelines.any',
    managers: [gocd([rule('pipelines.all', [], ['mailto:cat@example.com'], ['FAILS'])])],
    subject: 'Stage [x/2/s/1] failed',
    expected: { action: 'deliver' },
  },
  {
    name: 'a non-stage mail to a gocd manager is dropped with its own reason',
    managers: [gocd([rule('pipelines.in_group', ['my-group'], ['mailto:cat@example.com'])])],
    subject: 'Server Backup Completed Successfully',
    expected: { action: 'drop', dropReason: 'not_a_stage_mail', problems: [] },
  },
  {
    name: 'pipelines.name_like_in_group: ppp-release-1.2.3 is like ppp of my-group',
    managers: [gocd([rule('pipelines.name_like_in_group', ['(.+)-release.*', 'my-group'], ['mailto:cat@example.com'], ['BREAKS', 'FIXED'])])],
    subject: 'Stage [ppp-release-1.2.3/7/deploy/1] is fixed',
    expected: { action: 'deliver', recipients: ['cat@example.com'] },
  },
  {
    name: 'pipelines.name_like_in_group: the pattern does not match',
    managers: [gocd([rule('pipelines.name_like_in_group', ['(.+)-release.*', 'my-group'], ['mailto:cat@example.com'])])],
    subject: 'Stage [ppp/7/deploy/1] is fixed',
    expected: { action: 'drop' },
  },
  {
    name: 'pipelines.name_like_in_group: the group does not have the like name',
    managers: [gocd([rule('pipelines.name_like_in_group', ['(.+)-release.*', 'my-group'], ['mailto:cat@example.com'])])],
    subject: 'Stage [qqq-release-2/7/deploy/1] is fixed',
    expected: { action: 'drop' },
  },
  {
    name: 'pipelines.name_like_in_group on a non-stage mail is no match, not a TypeError (mail2alert bug)',
    managers: [gocd([rule('pipelines.name_like_in_group', ['(.+)-release.*', 'my-group'], ['mailto:cat@example.com'])])],
    subject: 'hello',
    expected: { action: 'drop', problems: [] },
  },
  {
    name: 'pipelines.name_matches (native)',
    managers: [gocd([rule('pipelines.name_matches', ['^deploy-'], ['mailto:ops@example.com'])])],
    subject: 'Stage [deploy-web/1/s/1] failed',
    expected: { action: 'deliver' },
  },
  {
    name: 'mail.in_subject also works in a gocd manager (native)',
    managers: [gocd([rule('mail.in_subject', ['backup', 'failed'], ['mailto:admin@example.com'])])],
    subject: 'Server Backup Failed',
    expected: { action: 'deliver', recipients: ['admin@example.com'] },
  },

  // --- BREAKS/FIXED correction feeds the events filter
  {
    name: '"failed" after a success is BREAKS and reaches a BREAKS rule',
    managers: [gocd([rule('pipelines.in_group', ['my-group'], ['mailto:cat@example.com'], ['BREAKS'])])],
    subject: 'Stage [my-pipeline/9/s/1] failed',
    context: { previousStageResult: 'success' },
    expected: { action: 'deliver' },
  },
  {
    name: '"failed" after a failure stays FAILS',
    managers: [gocd([rule('pipelines.in_group', ['my-group'], ['mailto:cat@example.com'], ['BREAKS'])])],
    subject: 'Stage [my-pipeline/9/s/1] failed',
    context: { previousStageResult: 'failure' },
    expected: { action: 'drop' },
  },

  // --- recipients
  {
    name: 'recipients of all matching rules, de-duplicated case-insensitively (mail2alert duplicated them)',
    managers: [
      gocd([rule('pipelines.in_group', ['my-group'], ['mailto:cat@example.com'], ['BREAKS']), rule('pipelines.any', [], ['mailto:CAT@example.com', 'mailto:dog@example.com'], ['BREAKS'], 'everyone')]),
    ],
    subject: 'Stage [my-pipeline/2/s/1] is broken',
    expected: { action: 'deliver', recipients: ['cat@example.com', 'dog@example.com'], rules: ['rules[0] pipelines.in_group(my-group)', 'everyone'] },
  },
  {
    name: 'a mailto with two addresses',
    managers: [mail([rule('mail.any', [], ['mailto:a@example.com,b@example.com'])])],
    from: 'go@example.com',
    expected: { action: 'deliver', recipients: ['a@example.com', 'b@example.com'] },
  },
  { name: 'a matching rule without actions drops with its own reason', managers: [mail([rule('mail.any', [], [])])], from: 'go@example.com', expected: { action: 'drop', dropReason: 'no_actions' } },
  {
    name: 'webhook actions are kept apart from recipients',
    managers: [mail([rule('mail.any', [], ['slack:ci:full', 'mailto:a@example.com'])])],
    from: 'go@example.com',
    expected: { action: 'deliver', recipients: ['a@example.com'], webhooks: [{ kind: 'webhook', webhook: 'ci', format: 'slack', style: 'full' }] },
  },

  // --- rules that cannot be evaluated
  {
    name: 'an unknown group is a rule error: with no other recipient the mail passes through unchanged',
    managers: [gocd([rule('pipelines.in_group', ['no-such-group'], ['mailto:cat@example.com'])])],
    subject: 'Stage [my-pipeline/2/s/1] is broken',
    expected: { action: 'passthrough', manager: 'gocd' },
  },
  {
    name: 'an unknown group goes to the fallback actions when configured',
    managers: [gocd([rule('pipelines.in_group', ['no-such-group'], ['mailto:cat@example.com'])])],
    subject: 'Stage [my-pipeline/2/s/1] is broken',
    context: { fallbackActions: ['mailto:postmaster@example.com'] },
    expected: { action: 'deliver', recipients: ['postmaster@example.com'], fallback: true },
  },
  {
    name: "a manager's fallback overrides the routing-wide one",
    managers: [gocd([rule('pipelines.in_group', ['nope'], ['mailto:cat@example.com'])], { fallback_actions: ['mailto:ci-admins@example.com'] })],
    subject: 'Stage [my-pipeline/2/s/1] is broken',
    context: { fallbackActions: ['mailto:postmaster@example.com'] },
    expected: { action: 'deliver', recipients: ['ci-admins@example.com'] },
  },
  {
    name: 'no snapshot yet is a rule error (mail2alert iterated None and answered 500)',
    managers: [gocd([rule('pipelines.in_group', ['my-group'], ['mailto:cat@example.com'])])],
    subject: 'Stage [my-pipeline/2/s/1] is broken',
    context: { groups: null },
    expected: { action: 'passthrough', manager: 'gocd' },
  },
  {
    name: 'a regex without a group is a rule error, not an IndexError',
    managers: [gocd([rule('pipelines.name_like_in_group', ['.+-release.*', 'my-group'], ['mailto:cat@example.com'])])],
    subject: 'Stage [ppp-release-1/2/s/1] is broken',
    expected: { action: 'passthrough', manager: 'gocd' },
  },
  {
    name: 'a missing Subject in a gocd manager is a rule error',
    managers: [gocd([rule('pipelines.in_group', ['my-group'], ['mailto:cat@example.com'], ['BREAKS'])])],
    subject: null,
    expected: { action: 'passthrough', manager: 'gocd' },
  },
  {
    name: 'a rule error does not stop the other rules from delivering',
    managers: [gocd([rule('pipelines.in_group', ['nope'], ['mailto:a@example.com']), rule('pipelines.in_group', ['my-group'], ['mailto:b@example.com'])])],
    subject: 'Stage [my-pipeline/2/s/1] is broken',
    expected: { action: 'deliver', recipients: ['b@example.com'], fallback: false },
  },

  // --- Jenkins and Alertmanager
  {
    name: 'jenkins.job_like and jenkins.result_in',
    managers: [
      mail([rule('jenkins.job_like', ['^team/'], ['mailto:team@example.com']), rule('jenkins.result_in', ['failure', 'STILL_FAILING'], ['mailto:oncall@example.com'])], {
        messages_we_want: { from: 'jenkins@example.com' },
      }),
    ],
    subject: 'Build failed in Jenkins: team » api #12',
    from: 'jenkins@example.com',
    expected: { action: 'deliver', recipients: ['team@example.com', 'oncall@example.com'] },
  },
  {
    name: 'jenkins.result_in uses X-Jenkins-Result when the subject is custom',
    managers: [mail([rule('jenkins.result_in', ['ABORTED'], ['mailto:team@example.com'])], { messages_we_want: { from: 'jenkins@example.com' } })],
    subject: 'nightly',
    headers: 'X-Jenkins-Job: nightly\r\nX-Jenkins-Result: ABORTED\r\n',
    from: 'jenkins@example.com',
    expected: { action: 'deliver' },
  },
  {
    name: 'jenkins.any does not match a non-Jenkins mail',
    managers: [mail([rule('jenkins.any', [], ['mailto:team@example.com'])])],
    from: 'go@example.com',
    subject: 'hello',
    expected: { action: 'drop' },
  },
  {
    name: 'alertmanager.status_in and alertname_in',
    managers: [
      mail([rule('alertmanager.status_in', ['firing'], ['mailto:oncall@example.com']), rule('alertmanager.alertname_in', ['instancedown'], ['mailto:infra@example.com'])], {
        messages_we_want: { from: 'alertmanager@example.com' },
      }),
    ],
    subject: '[FIRING:2] InstanceDown ',
    from: 'alertmanager@example.com',
    expected: { action: 'deliver', recipients: ['oncall@example.com', 'infra@example.com'] },
  },
  {
    name: 'alertmanager.status_in resolved does not match a firing alert',
    managers: [mail([rule('alertmanager.status_in', ['resolved'], ['mailto:oncall@example.com'])], { messages_we_want: { from: 'alertmanager@example.com' } })],
    subject: '[FIRING:1] test (vm1 critical)',
    from: 'alertmanager@example.com',
    expected: { action: 'drop' },
  },

  // --- filter.event: the message's alert event (docs/alerts.md)
  {
    name: 'event: status and a severity list match a broken GoCD stage',
    managers: [gocd([eventRule({ status: 'firing', severity: ['critical', 'error'] }, ['mailto:oncall@example.com'])])],
    subject: 'Stage [my-pipeline/2/s/1] is broken',
    expected: { action: 'deliver', recipients: ['oncall@example.com'], rule: 'rules[0] event(status=firing severity=critical|error)' },
  },
  {
    name: 'event: a fixed stage is resolved, not firing',
    managers: [gocd([eventRule({ status: 'firing' }, ['mailto:oncall@example.com'])])],
    subject: 'Stage [my-pipeline/2/s/1] is fixed',
    expected: { action: 'drop', dropReason: 'no_rule_matched' },
  },
  {
    name: 'event: source and a label',
    managers: [gocd([eventRule({ source: 'gocd', labels: { pipeline: ['web', 'my-pipeline'] } }, ['mailto:team@example.com'])])],
    subject: 'Stage [my-pipeline/2/s/1] passed',
    expected: { action: 'deliver', recipients: ['team@example.com'] },
  },
  {
    name: 'event: a missing label is no match',
    managers: [gocd([eventRule({ labels: { team: 'payments' } }, ['mailto:team@example.com'])])],
    subject: 'Stage [my-pipeline/2/s/1] passed',
    expected: { action: 'drop' },
  },
  {
    name: 'event and function together: both must match',
    managers: [mail([eventRule({ status: 'resolved' }, ['mailto:team@example.com'], 'jenkins.job_like', ['^team/'])], { messages_we_want: { from: 'jenkins@example.com' } })],
    subject: 'Jenkins build is back to normal : team » api #13',
    from: 'jenkins@example.com',
    expected: { action: 'deliver', rule: 'rules[0] jenkins.job_like(^team/) event(status=resolved)' },
  },
  {
    name: 'event and function together: the event does not match',
    managers: [mail([eventRule({ status: 'firing' }, ['mailto:team@example.com'], 'jenkins.job_like', ['^team/'])], { messages_we_want: { from: 'jenkins@example.com' } })],
    subject: 'Jenkins build is back to normal : team » api #13',
    from: 'jenkins@example.com',
    expected: { action: 'drop' },
  },
  {
    name: 'event: an Alertmanager severity label value among the subject values',
    managers: [
      mail([eventRule({ source: 'alertmanager', severity: 'critical' }, ['mailto:pager@example.com']), eventRule({ severity: 'warning' }, ['mailto:ticket@example.com'])], {
        messages_we_want: { from: 'alertmanager@example.com' },
      }),
    ],
    subject: '[FIRING:1] test (vm1 critical)',
    from: 'alertmanager@example.com',
    expected: { action: 'deliver', recipients: ['pager@example.com'] },
  },
  {
    name: 'event: cron output read from the body',
    managers: [mail([eventRule({ source: 'cron', status: 'firing', severity: 'error' }, ['mailto:dba@example.com'])], { messages_we_want: { from: 'root@db1.example.com' } })],
    subject: 'Cron <root@db1> /usr/local/bin/backup-db',
    from: 'root@db1.example.com',
    body: 'pg_dump: error: connection failed\n',
    expected: { action: 'deliver', recipients: ['dba@example.com'] },
  },
  {
    name: 'event: the generic fallback reads the verdict words',
    managers: [mail([eventRule({ source: 'generic', status: 'firing', severity: 'critical' }, ['mailto:ops@example.com'])])],
    subject: '** PROBLEM Service Alert: db1/Disk /data is CRITICAL **',
    from: 'go@example.com',
    expected: { action: 'deliver' },
  },
  {
    name: 'event: a non-matching event filter skips its function, so no rule error (an AND short-circuits)',
    managers: [gocd([eventRule({ status: 'resolved' }, ['mailto:cat@example.com'], 'pipelines.in_group', ['my-group'])])],
    subject: 'Stage [my-pipeline/2/s/1] is broken',
    context: { groups: null },
    expected: { action: 'drop', problems: [] },
  },
];

function headersFor(c: Case): string {
  const subject = c.subject === null ? '' : `Subject: ${c.subject ?? 'Stage [my-pipeline/2/my-stage/1] is broken'}\r\n`;
  return `From: go@example.com\r\n${subject}${c.headers ?? ''}\r\n`;
}

for (const c of CASES) {
  test(c.name, () => {
    const facts = buildFacts({ from: c.from ?? 'go@example.com', to: c.to ?? ['mail2alert@example.com'] }, headersFor(c), c.body);
    const decision = evaluate(c.managers, facts, { groups: GROUPS, ...c.context });
    const picked = Object.fromEntries(Object.keys(c.expected).map((key) => [key, decision[key as keyof Decision]]));
    assert.deepEqual(picked, c.expected, decision.reason);
    assert.ok(decision.reason.length > 0);
  });
}

test('every decision carries the alert event, a passthrough too', () => {
  const facts = buildFacts({ from: 'x@example.com', to: ['someone@example.com'] }, 'Subject: Stage [my-pipeline/2/s/1] is broken\r\n\r\n');
  const decision = evaluate([gocd([])], facts, { groups: GROUPS });
  assert.equal(decision.action, 'passthrough');
  assert.deepEqual([decision.alert.parser, decision.alert.status, decision.alert.key], ['gocd@1', 'firing', alertKey('gocd', 'my-pipeline/s')]);
});

test('rule errors carry a code, the rule and a message', () => {
  const facts = buildFacts({ from: 'go@example.com', to: ['mail2alert@example.com'] }, 'Subject: Stage [my-pipeline/2/s/1] is broken\r\n\r\n');
  const decision = evaluate([gocd([rule('pipelines.in_group', ['nope'], ['mailto:a@example.com'])])], facts, { groups: GROUPS });
  assert.deepEqual(decision.problems, [{ code: 'RULE_UNKNOWN_GROUP', rule: 'rules[0] pipelines.in_group(nope)', message: 'GoCD has no pipeline group "nope"' }]);
});

test('the decision carries the parsed and corrected GoCD event', () => {
  const facts = buildFacts({ from: 'go@example.com', to: ['mail2alert@example.com'] }, 'Subject: Stage [my-pipeline/2/s/1] passed\r\n\r\n');
  const decision = evaluate([gocd([rule('pipelines.any', [], ['mailto:a@example.com'], ['FIXED'])])], facts, { groups: GROUPS, previousStageResult: 'failure' });
  assert.equal(decision.action, 'deliver');
  assert.deepEqual(decision.event, { source: 'gocd', pipeline: 'my-pipeline', pipelineCounter: '2', stage: 's', stageCounter: '1', subjectEvent: 'PASSES', event: 'FIXED', corrected: true });
});

test('regression: a body the parser refused threw out of the router — it is RULE_NO_BODY with the reason, under the rule-error policy', () => {
  const facts = buildFacts({ from: 'go@example.com', to: ['mail2alert@example.com'] }, 'Subject: x\r\n\r\n');
  facts.bodyProblem = 'the message body could not be parsed: Max allowed child nodes exceeded';
  const managers = [mail([rule('mail.body_contains', ['disk'], ['mailto:a@example.com'])])];
  const decision = evaluate(managers, facts, { groups: null });
  assert.equal(decision.action, 'passthrough');
  assert.deepEqual(
    decision.problems.map((p) => [p.code, p.message]),
    [['RULE_NO_BODY', facts.bodyProblem]],
  );
  const withFallback = evaluate(managers, facts, { groups: null, fallbackActions: ['mailto:postmaster@example.com'] });
  assert.equal(withFallback.action, 'deliver');
  assert.deepEqual(withFallback.recipients, ['postmaster@example.com']);
});

test('regression: a rule that throws failed the route job — it is RULE_INVALID under the rule-error policy', () => {
  const facts = buildFacts({ from: 'go@example.com', to: ['mail2alert@example.com'] }, 'Subject: x\r\n\r\n');
  Object.defineProperty(facts, 'subject', {
    get: () => {
      throw new Error('boom');
    },
  });
  const decision = evaluate([mail([rule('mail.in_subject', ['x'], ['mailto:a@example.com'])])], facts, { groups: null });
  assert.equal(decision.action, 'passthrough');
  assert.deepEqual(
    decision.problems.map((p) => [p.code, p.message]),
    [['RULE_INVALID', 'the rule failed: boom']],
  );
});

const OTHERS: Array<[string, Partial<ManagerRules>, string[], Decision['others']]> = [
  ['recipients the manager does not claim are delivered by default', {}, ['mail2alert@example.com', 'someone@else.example'], { addresses: ['someone@else.example'], action: 'deliver' }],
  ["other_recipients: drop keeps mail2alert's model", { other_recipients: 'drop' }, ['MAIL2ALERT@example.com', 'someone@else.example'], { addresses: ['someone@else.example'], action: 'drop' }],
  ['no other recipients, nothing to say', {}, ['mail2alert@example.com'], undefined],
  ['a manager claiming the sender claims every recipient', { messages_we_want: { from: 'go@example.com' } }, ['a@example.com', 'b@example.com'], undefined],
];

for (const [name, extra, to, expected] of OTHERS) {
  test(`regression: a claimed message's other envelope recipients vanished uncounted — ${name}`, () => {
    const facts = buildFacts({ from: 'go@example.com', to }, 'Subject: Stage [my-pipeline/2/s/1] is broken\r\n\r\n');
    const decision = evaluate([gocd([rule('pipelines.any', [], ['mailto:cat@example.com'])], extra)], facts, { groups: GROUPS });
    assert.equal(decision.action, 'deliver');
    assert.deepEqual(decision.others, expected);
  });
}

test("a route's on_dead: the matched rules' own, else the manager's; absent when neither names any", () => {
  const facts = buildFacts({ from: 'go@example.com', to: ['x@example.com'] }, 'Subject: disk full\r\n\r\n');
  const onDead = (managers: ManagerRules[]) => {
    const decision = evaluate(managers, facts, { groups: null });
    return decision.action === 'deliver' ? decision.onDead : 'not delivered';
  };
  const matching = (actions: string[], on_dead?: string[]): RuleDefinition => ({ ...rule('mail.in_subject', ['disk'], actions), ...(on_dead ? { on_dead } : {}) });
  assert.equal(onDead([mail([matching(['mailto:a@example.com'])])]), undefined);
  assert.deepEqual(onDead([mail([matching(['mailto:a@example.com'])], { on_dead: ['mailto:boss@example.com'] })]), { recipients: ['boss@example.com'], webhooks: [] });
  assert.deepEqual(onDead([mail([matching(['mailto:a@example.com'], ['mailto:oncall@example.com', 'webhook:ops']), matching(['mailto:b@example.com'])], { on_dead: ['mailto:boss@example.com'] })]), {
    recipients: ['oncall@example.com'],
    webhooks: [{ kind: 'webhook', webhook: 'ops', format: 'json', style: 'brief' }],
  });
});
