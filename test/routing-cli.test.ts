import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writeConfigFile } from './support/config.js';
import { runMailsort } from './support/mailsort-cli.js';

const EXAMPLE = fileURLToPath(new URL('../packages/core/src/config/testdata/mail2alert-example-configuration.yml', import.meta.url));
const GROUPS = fileURLToPath(new URL('./fixtures/gocd-pipeline-groups-v1.json', import.meta.url));
// Nothing listens here: the commands below must work without Redis.
const NO_REDIS = { REDIS_URL: 'redis://127.0.0.1:1' };

const mailsort = (args: string[], env: Record<string, string> = NO_REDIS) => runMailsort(args, env);

function eml(lines: string[]): string {
  return writeConfigFile(lines.join('\r\n'), 'message.eml');
}

const BROKEN = eml(['From: Go Server <go@example.com>', 'To: mail2alert@example.com', 'Subject: Stage [ppp-release-1.2.3/7/deploy/1]', ' is broken', '', 'See details', '']);

test('explain --json says manager, rule, event and recipients for the unchanged mail2alert example, offline', async () => {
  const { code, stdout, stderr } = await mailsort(['explain', '--config', EXAMPLE, BROKEN, '--gocd-groups', GROUPS, '--json']);
  assert.equal(code, 0, stderr);
  const result = JSON.parse(stdout) as Record<string, unknown>;
  assert.equal(result.action, 'deliver');
  assert.deepEqual(result.recipients, ['cat@example.com']);
  assert.equal(result.manager, 'gocd');
  assert.equal(result.rule, 'rules[1] pipelines.name_like_in_group((.+)-release.*, my-group)');
  assert.equal(result.event, 'BREAKS');
  assert.equal((result.parsed as { pipeline: string }).pipeline, 'ppp-release-1.2.3');
  assert.match(String(result.reason), /1 rule\(s\) matched/);
});

test('explain takes --to repeated or comma-separated, and --from, over the headers', async () => {
  const mail = eml(['From: go@example.com', 'To: nobody@example.com', 'Subject: Server Backup Failed', '', 'x', '']);
  for (const to of [
    ['--to', 'a@example.com,b@example.com'],
    ['--to', 'a@example.com', '--to', 'b@example.com'],
  ]) {
    const { code, stdout } = await mailsort(['explain', '--config', EXAMPLE, mail, '--from', 'GO@example.com', ...to, '--json']);
    assert.equal(code, 0);
    const result = JSON.parse(stdout) as { action: string; manager: string; recipients: string[]; envelope: { to: string[] } };
    assert.deepEqual(result.envelope.to, ['a@example.com', 'b@example.com']);
    assert.equal(result.manager, 'mail');
    assert.deepEqual(result.recipients, ['sys@example.com', 'op@example.com']);
  }
});

test('explain prints a readable answer for a dropped and an unwanted mail', async () => {
  const passed = eml(['From: go@example.com', 'To: mail2alert@example.com', 'Subject: Stage [my-pipeline/2/s/1] passed', '', '']);
  const dropped = await mailsort(['explain', '--config', EXAMPLE, passed, '--gocd-groups', GROUPS]);
  assert.equal(dropped.code, 0, dropped.stderr);
  assert.match(dropped.stdout, /^action +drop$/m);
  assert.match(dropped.stdout, /^event +GoCD stage my-pipeline\/2\/s\/1: PASSES$/m);
  const cron = eml(['From: root@db1.example.com', 'To: root@example.com', 'Subject: cron', '', '']);
  const unwanted = await mailsort(['explain', '--config', EXAMPLE, cron, '--json']);
  const result = JSON.parse(unwanted.stdout) as { action: string; manager: null; recipients: string[] };
  assert.equal(result.action, 'passthrough');
  assert.equal(result.manager, null);
});

test('regression: explain says where passthrough mail goes (its envelope recipients, the default upstream), not "recipients (none)"', async () => {
  const cron = eml(['From: root@db1.example.com', 'To: root@example.com, ops@example.com', 'Subject: cron', '', '']);
  const text = await mailsort(['explain', '--config', EXAMPLE, cron]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^action +passthrough$/m);
  assert.match(text.stdout, /^recipients +root@example\.com, ops@example\.com via upstream default, unchanged \(passthrough: the envelope recipients\)$/m);
  const json = JSON.parse((await mailsort(['explain', '--config', EXAMPLE, cron, '--json', '--to', 'a@example.com', '--to', 'b@example.com'])).stdout) as { recipients: string[]; upstreams: string[] };
  assert.deepEqual([json.recipients, json.upstreams], [['a@example.com', 'b@example.com'], ['default']]);
});

test('check-config --report prints who each GoCD pipeline and event notifies, like mail2alert --test', async () => {
  const { code, stdout, stderr } = await mailsort(['check-config', EXAMPLE, '--gocd-groups', GROUPS, '--report']);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /ok \(mail2alert format/);
  assert.match(stdout, /^ {4}my-pipeline: BREAKS → cat@example\.com$/m);
  assert.match(stdout, /^ {2}group other\n {4}up42: nobody$/m);
});

test('check-config fails on a rule naming a group GoCD does not have, and on a bad rule function', async () => {
  const config = writeConfigFile({
    upstreams: [{ name: 'default', host: 'smtp.example.com' }],
    routing: {
      managers: [
        { name: 'ci', kind: 'gocd', messages_we_want: { to: 'gocd@example.com' }, rules: [{ actions: ['mailto:a@example.com'], filter: { function: 'pipelines.in_group', args: ['my-grup'] } }] },
      ],
    },
  });
  const unknown = await mailsort(['check-config', config, '--gocd-groups', GROUPS]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /routing\.managers\[0\]\.rules\[0\]\.filter\.args: GoCD has no pipeline group "my-grup"/);
  writeFileSync(config, readFileSync(config, 'utf8').replace('pipelines.in_group', 'pipelines.in_grop'));
  const bad = await mailsort(['check-config', config]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /:\d+:\d+: routing\.managers\[0\]\.rules\[0\]\.filter\.function: unknown function "pipelines\.in_grop"/);
});

test("regression: a claimed message's other envelope recipients vanished — the mail2alert format keeps dropping them, and explain says so", async () => {
  const legacy = writeConfigFile(
    [
      'local-smtp: localhost:1025',
      'remote-smtp: localhost:8025',
      'managers:',
      '  - name: gocd',
      '    messages-we-want:',
      '      to: gocd@example.com',
      '    rules:',
      '      - actions: [mailto:cat@example.com]',
      '        filter:',
      '          function: pipelines.any',
      '',
    ].join('\n'),
    'configuration.yml',
  );
  const mail = eml(['From: go@example.com', 'To: gocd@example.com, someone@else.example', 'Subject: Stage [my-pipeline/2/s/1] is broken', '', '']);
  const text = await mailsort(['explain', '--config', legacy, mail, '--gocd-groups', GROUPS]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^others +someone@else\.example: not claimed by the manager; dropped, counted \(other_recipients: drop, as mail2alert did\)$/m);
  const json = JSON.parse((await mailsort(['explain', '--config', legacy, mail, '--gocd-groups', GROUPS, '--json'])).stdout) as { destinations: unknown[]; others: unknown };
  assert.deepEqual(json.others, { addresses: ['someone@else.example'], action: 'drop' });
  assert.equal(json.destinations.length, 1, 'only the rule recipients get it');
});

test('regression: a lookbehind rule regex was accepted and run by the backtracking engine — check-config refuses it with file:line:key', async () => {
  const config = writeConfigFile({
    upstreams: [{ name: 'default', host: 'smtp.example.com' }],
    routing: {
      managers: [
        {
          name: 'm',
          kind: 'mail',
          messages_we_want: { to: 'a@example.com' },
          rules: [{ actions: ['mailto:b@example.com'], filter: { function: 'mail.subject_matches', args: ['(?<=build )failed'] } }],
        },
      ],
    },
  });
  const { code, stderr } = await mailsort(['check-config', config]);
  assert.equal(code, 1);
  assert.match(
    stderr,
    /:\d+:\d+: routing\.managers\[0\]\.rules\[0\]\.filter\.args: invalid regular expression "\(\?<=build \)failed": .*RE2 \(linear time\), which has no backreferences, lookahead or lookbehind/,
  );
});

test('explain shows the alert event and where each field came from, and a filter.event rule routes on it (a cron body is read for it)', async () => {
  const config = writeConfigFile({
    upstreams: [{ name: 'default', host: 'smtp.example.com' }],
    routing: {
      managers: [
        {
          name: 'dba',
          kind: 'mail',
          messages_we_want: { from: 'root@db1.example.com' },
          rules: [{ name: 'backup-failures', actions: ['mailto:dba@example.com'], filter: { event: { source: 'cron', status: 'firing', severity: ['critical', 'error'] } } }],
        },
      ],
    },
  });
  const failed = eml([
    'From: root@db1.example.com (Cron Daemon)',
    'To: root@db1.example.com',
    'Subject: Cron <root@db1> /usr/local/bin/backup-db',
    '',
    'dumping database shop',
    'pg_dump: error: connection failed',
    '',
  ]);
  const text = await mailsort(['explain', '--config', config, failed]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^alert +cron firing error key cron-[0-9a-f]{16} \(cron@1\) host db1 user=root command=\/usr\/local\/bin\/backup-db$/m);
  assert.match(text.stdout, /^ {2}why +status from body line 2: "error" in the output is firing$/m);
  assert.match(text.stdout, /^rule +backup-failures$/m);
  const json = JSON.parse((await mailsort(['explain', '--config', config, failed, '--json'])).stdout) as {
    recipients: string[];
    alert: { source: string; key: string; why: Array<{ field: string; from: string }> };
  };
  assert.deepEqual(json.recipients, ['dba@example.com']);
  assert.equal(json.alert.source, 'cron');
  assert.deepEqual(
    json.alert.why.map((why) => why.field),
    ['source', 'key', 'status', 'severity', 'summary', 'host', 'labels'],
  );
  const ok = eml(['From: root@db1.example.com (Cron Daemon)', 'To: root@db1.example.com', 'Subject: Cron <root@db1> /usr/local/bin/backup-db', '', 'backup-db: OK', '']);
  const resolved = JSON.parse((await mailsort(['explain', '--config', config, ok, '--json'])).stdout) as { action: string; alert: { status: string; key: string } };
  assert.equal(resolved.action, 'drop');
  assert.deepEqual([resolved.alert.status, resolved.alert.key], ['resolved', json.alert.key]);
});
