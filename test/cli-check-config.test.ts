import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { writeConfigFile } from './support/config.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliCommand, writeDevCert } from '@mailsort/cli';

function mailsort(...args: string[]) {
  const { command, args: cliArgs } = cliCommand({ built: true });
  const result = spawnSync(command, [...cliArgs, ...args], { encoding: 'utf8', env: { ...process.env, MAILSORT_CONFIG: '' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("check-config exits 0 on mail2alert's example configuration.yml", () => {
  const result = mailsort('check-config', new URL('../packages/core/src/config/testdata/mail2alert-example-configuration.yml', import.meta.url).pathname);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /ok \(mail2alert format/);
});

test('check-config exits non-zero and prints file:line:key for each problem', () => {
  const file = writeConfigFile('upstreams:\n  - name: default\n    host: smtp.example.com\n    colour: blue\n    port: "twenty-five"\n');
  const result = mailsort('check-config', file);
  assert.equal(result.code, 1);
  const lines = result.stderr.trim().split('\n');
  assert.deepEqual(
    lines.map((line) => line.replace(file, 'FILE').split(': ')[0]),
    ['FILE:4:5', 'FILE:5:5'],
  );
  assert.match(lines[0]!, /upstreams\[0\]\.colour: unknown key$/);
  assert.match(lines[1]!, /upstreams\[0\]\.port: /);
});

test('check-config without a file says how to give one', () => {
  const result = mailsort('check-config');
  assert.equal(result.code, 2);
  assert.match(result.stderr, /usage: mailsort check-config \[FILE\]/);
});

test('a service started with a bad config exits 2 with the problems, before touching Redis', () => {
  const file = writeConfigFile('upstreams: []\n');
  const result = mailsort('router', '--config', file);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /:1:\d+: upstreams: configure at least one upstream smarthost/);
});

test('regression: check-config passed configs the services refused — a dead-letter notice through no upstream is reported at its line', () => {
  const file = writeConfigFile(
    [
      'upstreams:',
      '  - { name: default, host: smtp.example.com }',
      'ingest:',
      '  users_file: /nonexistent/users.yml',
      'delivery:',
      '  dead_letters:',
      '    notify:',
      '      to: ops@example.com',
      '      upstream: nowhere',
      '',
    ].join('\n'),
  );
  const result = mailsort('check-config', file);
  assert.equal(result.code, 1);
  assert.deepEqual(
    result.stderr
      .trim()
      .split('\n')
      .map((line) => line.replace(file, 'FILE')),
    [
      "FILE:4:3: ingest.users_file: cannot read /nonexistent/users.yml: ENOENT: no such file or directory, open '/nonexistent/users.yml'",
      'FILE:9:7: delivery.dead_letters.notify.upstream: no upstream is named "nowhere" (have: default)',
    ],
  );
});

test('check-config refuses grouping settings that cannot work, each with its file:line and key', () => {
  const file = writeConfigFile(`upstreams:
  - { name: default, host: smtp.example.com }
routing:
  managers:
    - name: team
      kind: mail
      messages_we_want: { to: alerts@example.com }
      grouping:
        group_by: [subject]
        group_wait: soon
        group_interval: 10m
        repeat_interval: 1m
        repeat_backoff: []
        flapping: { changes: 3, settle_at: 3 }
        color: red
`);
  const result = mailsort('check-config', file);
  assert.equal(result.code, 1);
  const problems = result.stderr
    .trim()
    .split('\n')
    .map((line) => line.replace(`${file}:`, ''));
  const expected = [
    /^9:\d+: routing\.managers\[0\]\.grouping\.group_by\[0\]: a group_by field is key, source, severity, host or labels\.NAME$/,
    /^10:\d+: routing\.managers\[0\]\.grouping\.group_wait: "soon" is not a duration/,
    /^13:\d+: routing\.managers\[0\]\.grouping\.repeat_backoff: /,
    /^14:\d+: routing\.managers\[0\]\.grouping\.flapping\.settle_at: settle_at must be below changes$/,
    /^15:\d+: routing\.managers\[0\]\.grouping\.color: unknown key$/,
  ];
  for (const pattern of expected)
    assert.ok(
      problems.some((line) => pattern.test(line)),
      `${pattern} not in:\n${problems.join('\n')}`,
    );
});

test('check-config refuses a repeat_interval shorter than group_interval (checked once the keys themselves are valid)', () => {
  const file = writeConfigFile(`upstreams:
  - { name: default, host: smtp.example.com }
routing:
  managers:
    - name: team
      kind: mail
      messages_we_want: { to: alerts@example.com }
      rules:
        - filter: { event: { source: gocd } }
          actions: [mailto:team@example.com]
          grouping: { group_interval: 10m, repeat_interval: 1m }
`);
  const result = mailsort('check-config', file);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /:11:\d+: routing\.managers\[0\]\.rules\[0\]\.grouping\.repeat_interval: repeat_interval must be at least group_interval$/m);
});

test('check-config refuses flood control that cannot work, with file:line and key', () => {
  const file = writeConfigFile(`upstreams:
  - { name: default, host: smtp.example.com }
routing:
  managers:
    - name: team
      kind: mail
      messages_we_want: { to: alerts@example.com }
      flood_control: { limit: 20 per 100ms, per: team }
      rules:
        - filter: { event: {} }
          actions: [mailto:team@example.com]
          flood_control: { limit: lots }
          bypass_flood_control: sometimes
`);
  const result = mailsort('check-config', file);
  assert.equal(result.code, 1);
  const lines = result.stderr.replace(new RegExp(`${file}:`, 'g'), '');
  assert.match(lines, /^8:\d+: routing\.managers\[0\]\.flood_control\.limit: "20 per 100ms" is not a rate/m);
  assert.match(lines, /^8:\d+: routing\.managers\[0\]\.flood_control\.per: /m);
  assert.match(lines, /^12:\d+: routing\.managers\[0\]\.rules\[0\]\.flood_control\.limit: "lots" is not a rate/m);
  assert.match(lines, /^13:\d+: routing\.managers\[0\]\.rules\[0\]\.bypass_flood_control: /m);
});

test("check-config refuses grouping and flood control in mail2alert's format (they are the native format's)", () => {
  const file = writeConfigFile(
    `local-smtp: localhost:1025\nremote-smtp: localhost:8025\nmanagers:\n  - name: mail\n    messages-we-want: { to: alerts@example.com }\n    rules:\n      - owner: ops\n        actions: [mailto:ops@example.com]\n        filter: { function: mail.in_subject, args: [x] }\n        grouping: {}\n`,
    'configuration.yml',
  );
  const result = mailsort('check-config', file);
  assert.equal(result.code, 1, result.stdout);
  assert.match(result.stderr, /rules\[0\]\.grouping: unknown key/);
});

test('check-config refuses on_dead contacts that are not actions, name no webhook, or are not addresses, and a notice upstream that is the path that fails', () => {
  const bad = writeConfigFile(`upstreams:
  - { name: default, host: smtp.example.com }
routing:
  webhooks: [{ name: ops, url: "https://hooks.example.com/x" }]
  managers:
    - name: team
      kind: mail
      messages_we_want: { to: alerts@example.com }
      on_dead: [oncall@example.com, "webhook:nowhere"]
      rules:
        - actions: [mailto:team@example.com]
          on_dead: ["mailto:not an address", "slack:ops:loud", "webhook:ops"]
          filter: { function: mail.in_subject, args: [disk] }
`);
  const result = mailsort('check-config', bad);
  assert.equal(result.code, 1);
  const problems = result.stderr
    .trim()
    .split('\n')
    .map((line) => line.replace(`${bad}:`, ''));
  const expected = [
    /^9:\d+: routing\.managers\[0\]\.on_dead\[0\]: an action is a URI such as mailto:team@example\.com$/,
    /^9:\d+: routing\.managers\[0\]\.on_dead\[0\]: "oncall@example\.com": unknown action/,
    /^9:\d+: routing\.managers\[0\]\.on_dead\[1\]: no webhook named "nowhere" in routing\.webhooks$/,
    /^12:\d+: routing\.managers\[0\]\.rules\[0\]\.on_dead\[0\]: "mailto:not an address": not an e-mail address/,
    /^12:\d+: routing\.managers\[0\]\.rules\[0\]\.on_dead\[1\]: "slack:ops:loud": the style after the webhook name is brief or full$/,
  ];
  for (const pattern of expected)
    assert.ok(
      problems.some((line) => pattern.test(line)),
      `${pattern} not in:\n${problems.join('\n')}`,
    );
  assert.equal(problems.length, expected.length, problems.join('\n'));

  const noWebhook = writeConfigFile(`upstreams:
  - { name: default, host: smtp.example.com }
  - { name: backup, host: smtp2.example.com }
routing:
  managers:
    - { name: team, kind: mail, messages_we_want: { to: alerts@example.com }, on_dead: ["webhook:nowhere"] }
`);
  assert.match(mailsort('check-config', noWebhook).stderr, /:6:\d+: routing\.managers\[0\]\.on_dead\[0\]: no webhook named "nowhere" in routing\.webhooks$/m);

  const samePath = writeConfigFile(`upstreams:
  - { name: default, host: smtp.example.com }
  - { name: backup, host: smtp2.example.com }
delivery:
  dead_letters:
    notify: { to: postmaster@example.com, upstream: default, per_contact: 0 }
`);
  const same = mailsort('check-config', samePath);
  assert.equal(same.code, 1);
  assert.match(same.stderr, /:6:\d+: delivery\.dead_letters\.notify\.per_contact: /);
  const fixed = writeConfigFile(`upstreams:
  - { name: default, host: smtp.example.com }
  - { name: backup, host: smtp2.example.com }
delivery:
  dead_letters:
    notify: { to: postmaster@example.com, upstream: default }
`);
  const refused = mailsort('check-config', fixed);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /:6:\d+: delivery\.dead_letters\.notify\.upstream: "default" is routing\.default_upstream, the path whose failures the notices report/);
});

test('check-config refuses a canary that cannot work, each problem with its file:line and key', () => {
  const file = writeConfigFile(`upstreams:
  - { name: default, host: smtp.example.com }
canary:
  every: often
  to: not-an-address
  upstream: nowhere
  listener: submission
  colour: yellow
`);
  const result = mailsort('check-config', file);
  assert.equal(result.code, 1);
  const problems = result.stderr
    .trim()
    .split('\n')
    .map((line) => line.replace(`${file}:`, ''));
  const expected = [/^4:\d+: canary\.every: "often" is not a duration/, /^5:\d+: canary\.to: expected an address like canary@example\.com$/, /^8:\d+: canary\.colour: unknown key$/];
  for (const pattern of expected)
    assert.ok(
      problems.some((line) => pattern.test(line)),
      `${pattern} not in:\n${problems.join('\n')}`,
    );
});

test('check-config refuses a canary naming a missing listener or upstream, or sending its password over a plain listener', () => {
  const file = writeConfigFile(`upstreams:
  - { name: default, host: smtp.example.com }
canary:
  to: canary@example.com
  upstream: nowhere
  listener: submission
`);
  const result = mailsort('check-config', file);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /:5:\d+: canary\.upstream: no upstream is named "nowhere" \(have: default\)/);
  assert.match(result.stderr, /:6:\d+: canary\.listener: no ingest listener is named "submission" \(have: smtp\)/);

  const plain = writeConfigFile(`upstreams:
  - { name: default, host: smtp.example.com }
canary:
  every: 10ms
  to: canary@example.com
  auth: { user: canary, password: s3cret }
`);
  const second = mailsort('check-config', plain);
  assert.equal(second.code, 1);
  assert.match(second.stderr, /:4:\d+: canary\.every: probe at most once a second/);
  assert.match(second.stderr, /canary\.auth: listener "smtp" has no TLS, and ingest accepts AUTH only over TLS/);

  const unreadable = writeConfigFile(`upstreams:
  - { name: default, host: smtp.example.com }
canary:
  to: canary@example.com
  auth: { user: canary, password_file: /nonexistent/canary-password }
`);
  assert.match(mailsort('check-config', unreadable).stderr, /:5:\d+: canary\.auth\.password_file: cannot read \/nonexistent\/canary-password/);
});

test('check-config accepts a canary with its defaults and a password read from a file', () => {
  const secret = writeConfigFile('s3cret\n', 'canary-password');
  const cert = writeDevCert({ dir: mkdtempSync(join(tmpdir(), 'mailsort-cert-')) });
  const file = writeConfigFile(`upstreams:
  - { name: default, host: smtp.example.com }
ingest:
  tls: { cert_file: ${cert.certFile}, key_file: ${cert.keyFile} }
canary:
  to: canary@example.com
  auth: { user: canary, password_file: ${secret} }
`);
  const result = mailsort('check-config', file);
  assert.equal(result.code, 0, result.stderr);
});

test('check-config refuses a Sentinel setup that cannot work, each problem with its file:line and key', () => {
  const file = writeConfigFile(
    ['redis:', '  sentinels: [sentinel-0:26379, sentinel-1]', '  min_replicas_acked: 1', '  replica_ack_timeout: 30s', 'upstreams: [{ name: default, host: smtp.example.com }]', ''].join('\n'),
  );
  const result = mailsort('check-config', file);
  assert.equal(result.code, 1, result.stdout);
  assert.deepEqual(result.stderr.replaceAll(file, 'FILE').trim().split('\n'), [
    'FILE:2:3: redis.sentinels: needs redis.master_name, the master group the Sentinels monitor',
    'FILE:2:33: redis.sentinels[1]: expected host:port, e.g. sentinel-0:26379',
    'FILE:4:3: redis.replica_ack_timeout: must be less than ingest.limits.store_timeout (15 s)',
  ]);
});
