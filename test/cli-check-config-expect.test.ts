import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { cliCommand } from '@mailsort/cli';
import { writeConfigFile } from './support/config.js';

function mailsort(...args: string[]) {
  const { command, args: cliArgs } = cliCommand({ built: true });
  const result = spawnSync(command, [...cliArgs, ...args], { encoding: 'utf8', env: { ...process.env, MAILSORT_CONFIG: '' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const HEAD = ['upstreams:', '  - { name: default, host: smtp.example.com }', 'routing:', '  expect:'];

test('check-config reports every bad routing.expect entry at its file:line:key, all in one run', () => {
  const file = writeConfigFile(
    [
      ...HEAD,
      '    - name: nas-backup', // 5
      '      match: { function: mail.no_such_function }',
      '      every: soon',
      '      per: hostname',
      '      notify: [slack:ops]',
      '    - name: nas-backup', // 10
      '      match: { function: mail.in_subject, args: [backup], events: [FAILS] }',
      '      every: 0',
      '      notify: [mailto:not an address]',
      '      colour: blue',
      '',
    ].join('\n'),
  );
  const result = mailsort('check-config', file);
  assert.equal(result.code, 1, result.stdout);
  const problems = result.stderr
    .trim()
    .split('\n')
    .map((line) => line.replace(file, 'FILE'));
  assert.deepEqual(
    problems.map((line) =>
      line
        .split(': ')
        .slice(0, 2)
        .join(': ')
        .replace(/:\d+: /, ': '),
    ),
    ['FILE:7: routing.expect[0].every', 'FILE:8: routing.expect[0].per', 'FILE:12: routing.expect[1].every', 'FILE:13: routing.expect[1].notify[0]', 'FILE:14: routing.expect[1].colour'],
    problems.join('\n'),
  );
  assert.match(problems[0]!, /"soon" is not a duration/);
  assert.match(problems[4]!, /unknown key$/);
});

test('check-config reports the refinements of routing.expect: filter, notify, every and a duplicate name, each at its line', () => {
  const file = writeConfigFile(
    [
      ...HEAD,
      '    - name: nas-backup', // 5
      '      match: { function: mail.no_such_function }',
      '      every: 24h',
      '      notify: [slack:ops]',
      '    - name: nas-backup', // 9
      '      match: { function: mail.in_subject, args: [backup], events: [FAILS] }',
      '      every: 0',
      '      notify: ["mailto:not an address"]',
      '',
    ].join('\n'),
  );
  const result = mailsort('check-config', file);
  assert.equal(result.code, 1, result.stdout);
  const problems = result.stderr
    .trim()
    .split('\n')
    .map((line) => line.replace(file, 'FILE'));
  const expected: Array<[string, RegExp]> = [
    ['routing.expect[0].match.function', /^FILE:6:\d+: .*unknown function "mail\.no_such_function"/],
    ['routing.expect[0].notify[0]', /^FILE:8:\d+: .*notify takes mailto: actions only/],
    ['routing.expect[1].name', /^FILE:9:\d+: .*expectation "nas-backup" is defined twice/],
    ['routing.expect[1].every', /^FILE:11:\d+: .*every must be more than 0/],
    ['routing.expect[1].notify[0]', /^FILE:12:\d+: .*not an e-mail address/],
  ];
  for (const [key, pattern] of expected) {
    const line = problems.find((problem) => problem.includes(`: ${key}: `));
    assert.match(line ?? `(no problem for ${key} in:\n${problems.join('\n')})`, pattern);
  }
});

test('check-config accepts a good routing.expect and the services apply its defaults', () => {
  const file = writeConfigFile(
    [
      ...HEAD,
      '    - name: nas-backup',
      '      match: { event: { source: cron } }',
      '      every: 24h',
      '      per: host',
      '      notify: [mailto:ops@example.com]',
      '      failure_kw: [error, failed]',
      '',
    ].join('\n'),
  );
  const result = mailsort('check-config', file);
  assert.equal(result.code, 0, result.stderr);
});
