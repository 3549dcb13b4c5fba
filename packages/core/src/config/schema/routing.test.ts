import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { ConfigError, loadConfig } from '../load-config.js';

const BASE = { upstreams: [{ name: 'default', host: 'smtp.example.com' }] };

function problemsOf(routing: unknown, readSecretFile?: (path: string) => string): string[] {
  try {
    loadConfig({ file: 'm.yml', text: stringify({ ...BASE, routing }) }, {}, readSecretFile);
    return [];
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems.map((p) => `${p.key}: ${p.message}`);
  }
}

const manager = (kind: 'gocd' | 'mail', filter: Record<string, unknown>, actions = ['mailto:a@example.com']) => ({
  name: 'm',
  kind,
  messages_we_want: { to: 'x@example.com' },
  rules: [{ actions, filter }],
});

test('an event filter alone, or with a function, is a rule', () => {
  assert.deepEqual(
    problemsOf({
      managers: [
        manager('gocd', { event: { status: 'firing', severity: ['critical', 'error'], source: 'gocd', labels: { pipeline: ['web', 'api'] } } }),
        { ...manager('mail', { function: 'jenkins.job_like', args: ['^team/'], event: { status: 'resolved' } }), name: 'm2' },
      ],
    }),
    [],
  );
});

test('check-config refuses rule functions and arguments that cannot work', async (t) => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['an unknown function', { managers: [manager('mail', { function: 'mail.in_subjet' })] }, /filter\.function: unknown function "mail\.in_subjet"/],
    ['a gocd function in a mail manager', { managers: [manager('mail', { function: 'pipelines.in_group', args: ['g'] })] }, /is not a function of a mail manager/],
    ['too few arguments', { managers: [manager('gocd', { function: 'pipelines.name_like_in_group', args: ['(.+)'] })] }, /filter\.args: pipelines\.name_like_in_group takes 2 argument\(s\)/],
    ['arguments to a function without any', { managers: [manager('gocd', { function: 'pipelines.any', args: ['x'] })] }, /takes no arguments; got 1/],
    ['a regex without a group in name_like_in_group', { managers: [manager('gocd', { function: 'pipelines.name_like_in_group', args: ['.+-release', 'g'] })] }, /needs a group/],
    ['an invalid regex', { managers: [manager('mail', { function: 'mail.subject_matches', args: ['(unclosed'] })] }, /invalid regular expression/],
    ['an unknown Jenkins status', { managers: [manager('mail', { function: 'jenkins.result_in', args: ['BROKEN'] })] }, /unknown Jenkins status "BROKEN"/],
    ['events on a mail manager (native)', { managers: [manager('mail', { function: 'mail.any', events: ['BREAKS'] })] }, /events apply to gocd managers only/],
    ['an unknown event', { managers: [manager('gocd', { function: 'pipelines.any', events: ['BROKEN'] })] }, /filter\.events\[0\]/],
    ['a mailto that is not an address', { managers: [manager('mail', { function: 'mail.any' }, ['mailto:a@example.com\r\nBcc: x@evil.example'])] }, /actions\[0\]: .*not an e-mail address/],
    ['a slack action naming no webhook', { managers: [manager('mail', { function: 'mail.any' }, ['slack:ci'])] }, /no webhook named "ci"/],
    ['an unknown action kind', { managers: [manager('mail', { function: 'mail.any' }, ['sms:+4612345'])] }, /unknown action/],
    ['a bad fallback action', { fallback_actions: ['mailto:nobody'] }, /^routing\.fallback_actions\[0\]/],
    ['a composed_from that is no address', { composed_from: 'mailsort' }, /^routing\.composed_from: expected one address/],
    ['a composed_from with a display name', { composed_from: 'Mailsort <alerts@example.com>' }, /^routing\.composed_from: expected one address/],
    ['a composed_from with a header after it', { composed_from: 'alerts@example.com\r\nBcc: x@evil.example' }, /^routing\.composed_from: expected one address/],
    ['an unknown event status', { managers: [manager('mail', { event: { status: 'broken' } })] }, /^routing\.managers\[0\]\.rules\[0\]\.filter\.event\.status: .*known: firing, resolved, info/],
    ['an unknown event severity in a list', { managers: [manager('mail', { event: { severity: ['critical', 'high'] } })] }, /filter\.event\.severity.*known: critical, error, warning, info/],
    [
      'an unknown event source',
      { managers: [manager('gocd', { event: { source: 'nagios' } })] },
      /filter\.event\.source: .*known: gocd, jenkins, alertmanager, cron, fail2ban, unattended-upgrades, generic/,
    ],
    ['an unknown event key', { managers: [manager('mail', { event: { priority: 'P1' } })] }, /filter\.event\.priority: unknown key/],
    ['a label that is not text', { managers: [manager('mail', { event: { labels: { team: { name: 'x' } } } })] }, /filter\.event\.labels\.team/],
    ['neither a function nor an event', { managers: [manager('mail', {})] }, /filter\.function: a rule needs a function, an event filter, or both/],
    ['args without a function', { managers: [manager('mail', { event: { status: 'firing' }, args: ['x'] })] }, /filter\.args: args belong to a function/],
    ['two managers with one name', { managers: [manager('mail', { function: 'mail.any' }), manager('mail', { function: 'mail.any' })] }, /managers\[1\]\.name: manager "m" is defined twice/],
  ];
  for (const [name, routing, expected] of cases) {
    await t.test(name, () => {
      const problems = problemsOf(routing);
      assert.ok(
        problems.some((problem) => expected.test(problem)),
        problems.join('\n') || '(no problems)',
      );
    });
  }
});

test('a native configuration with webhooks and every function family loads', () => {
  const routing = {
    webhooks: [{ name: 'ci', url_file: '/run/secrets/slack-ci' }],
    fallback_actions: ['mailto:postmaster@example.com'],
    managers: [
      {
        name: 'ci',
        kind: 'gocd',
        messages_we_want: { to: 'gocd@relay.example.com' },
        rules: [{ actions: ['mailto:team@example.com', 'slack:ci:full'], filter: { function: 'pipelines.in_group', args: ['team'], events: ['BREAKS', 'FIXED'] } }],
      },
      {
        name: 'jenkins',
        kind: 'mail',
        messages_we_want: { from: ['jenkins@example.com'] },
        rules: [{ actions: ['webhook:ci'], filter: { function: 'jenkins.result_in', args: ['FAILURE', 'fixed'] } }],
      },
    ],
  };
  assert.deepEqual(
    problemsOf(routing, () => 'https://hooks.slack.com/services/T/B/X\n'),
    [],
  );
});
