import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildFacts } from '../rules/facts.js';
import { evaluate } from '../rules/evaluate.js';
import { ConfigError, loadConfig } from './load-config.js';

// A verbatim copy of the example in mail2alert's README (magnus-lycka/mail2alert).
const EXAMPLE = readFileSync(new URL('./testdata/mail2alert-example-configuration.yml', import.meta.url), 'utf8');
const GROUPS = [{ name: 'my-group', pipelines: ['my-pipeline', 'ppp'] }];

test('the mail2alert README example loads unchanged', () => {
  const { config, format } = loadConfig({ file: 'configuration.yml', text: EXAMPLE }, {});
  assert.equal(format, 'mail2alert');
  assert.deepEqual(
    config.routing.managers.map((m) => [m.name, m.kind]),
    [
      ['gocd', 'gocd'],
      ['mail', 'mail'],
    ],
  );
  assert.deepEqual(config.ingest.listeners, [{ name: 'local-smtp', host: 'localhost', port: 1025 }]);
  assert.deepEqual(config.ingest.trusted_networks, ['127.0.0.0/8', '::1/128']);
  const { name, host, port, tls } = config.upstreams[0]!;
  assert.deepEqual({ name, host, port, tls }, { name: 'default', host: 'localhost', port: 8025, tls: 'none' });
  assert.deepEqual(
    config.routing.managers.map((m) => m.messages_we_want),
    [{ to: 'mail2alert@example.com' }, { from: 'go@example.com' }],
  );
  assert.equal(config.gocd?.url, 'http://localhost:8080/go');
  assert.equal(config.gocd?.username, 'olle');
  assert.equal(config.gocd?.password, 'pelle');
});

test('the example routes as its README describes', async (t) => {
  const { config } = loadConfig({ file: 'configuration.yml', text: EXAMPLE }, {});
  const route = (from: string, to: string, subject: string) => evaluate(config.routing.managers, buildFacts({ from, to: [to] }, `From: ${from}\r\nSubject: ${subject}\r\n\r\n`), { groups: GROUPS });
  await t.test('a broken pipeline of my-group goes to cat@example.com', () => {
    const decision = route('go@example.com', 'mail2alert@example.com', 'Stage [my-pipeline/2/my-stage/1] is broken');
    assert.equal(decision.action, 'deliver');
    assert.deepEqual(decision.recipients, ['cat@example.com'], 'two matching rules name cat once');
  });
  await t.test('a fixed release pipeline like a my-group pipeline goes to cat@example.com', () => {
    assert.deepEqual(route('go@example.com', 'mail2alert@example.com', 'Stage [ppp-release-1.2.3/5/deploy/1] is fixed').recipients, ['cat@example.com']);
  });
  await t.test('a passed stage is wanted by gocd but dropped', () => {
    assert.equal(route('go@example.com', 'mail2alert@example.com', 'Stage [my-pipeline/2/my-stage/1] passed').action, 'drop');
  });
  await t.test('the gocd manager is first: a stage mail from go@example.com to mail2alert is not eaten by mail', () => {
    assert.equal(route('go@example.com', 'mail2alert@example.com', 'Stage [my-pipeline/2/my-stage/1] is broken').manager, 'gocd');
  });
  await t.test('a server backup mail from go@example.com goes to sys and op', () => {
    const decision = route('go@example.com', 'admin@example.com', 'Server Backup Completed Successfully');
    assert.equal(decision.manager, 'mail');
    assert.deepEqual(decision.recipients, ['sys@example.com', 'op@example.com']);
  });
  await t.test('a stage mail sent by go@example.com to another address is dropped by the mail manager', () => {
    assert.equal(route('go@example.com', 'someone@example.com', 'Stage [my-pipeline/2/my-stage/1] is broken').action, 'drop');
  });
  await t.test('mail nobody wants passes through', () => {
    assert.equal(route('cron@example.com', 'root@example.com', 'Cron job').action, 'passthrough');
  });
});

test('mail2alert rule mistakes are refused with the file, line and key', () => {
  const text = EXAMPLE.replace('function: pipelines.in_group', 'function: pipelines.in_grup').replace('(.+)-release.*', '.+-release.*');
  assert.throws(
    () => loadConfig({ file: 'configuration.yml', text }, {}),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const lines = error.problems.map((p) => `${p.line}: ${p.key}: ${p.message}`);
      assert.ok(
        lines.some((line) => /^19: managers\[0\]\.rules\[0\]\.filter\.function: unknown function "pipelines\.in_grup"/.test(line)),
        lines.join('\n'),
      );
      assert.ok(
        lines.some((line) => /managers\[0\]\.rules\[1\]\.filter\.args: .*needs a group/.test(line)),
        lines.join('\n'),
      );
      return true;
    },
  );
});

test('two mail managers are allowed and get distinct names', () => {
  const text = `remote-smtp: localhost:8025
managers:
  - name: mail
    messages-we-want: { from: a@example.com }
    rules: [{ actions: [mailto:x@example.com], filter: { function: mail.in_subject, args: [x] } }]
  - name: mail
    messages-we-want: { from: b@example.com }
    rules: [{ actions: [mailto:y@example.com], filter: { function: mail.in_subject, events: [BREAKS], args: [y] } }]
`;
  const { config } = loadConfig({ file: 'c.yml', text }, {});
  assert.deepEqual(
    config.routing.managers.map((m) => m.name),
    ['mail', 'mail-2'],
  );
  assert.equal(config.routing.managers[1]!.rules[0]!.filter.events, undefined, 'mail2alert ignored events on a mail manager');
});

test("mail2alert's slack: actions are refused with a pointer to the native format", () => {
  const text = `remote-smtp: localhost:8025
managers:
  - name: mail
    messages-we-want: { from: a@example.com }
    rules: [{ actions: ['slack:#ci'], filter: { function: mail.in_subject } }]
`;
  assert.throws(() => loadConfig({ file: 'c.yml', text }, {}), /mailto: actions only/);
});

test("mail2alert's format has no event filter: refused with a pointer to the native format", () => {
  const text = `remote-smtp: localhost:8025
managers:
  - name: mail
    messages-we-want: { from: a@example.com }
    rules: [{ actions: ['mailto:x@example.com'], filter: { event: { status: firing } } }]
`;
  assert.throws(
    () => loadConfig({ file: 'c.yml', text }, {}),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const lines = error.problems.map((p) => `${p.line}: ${p.key}: ${p.message}`);
      assert.ok(
        lines.some((line) => /^5: managers\[0\]\.rules\[0\]\.filter\.event: mail2alert's format has no event filter/.test(line)),
        lines.join('\n'),
      );
      assert.ok(
        lines.some((line) => /filter\.function: a rule needs a function/.test(line)),
        lines.join('\n'),
      );
      return true;
    },
  );
});
