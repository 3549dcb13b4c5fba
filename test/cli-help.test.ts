import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { runMailsort } from './support/mailsort-cli.js';

const mailsort = (...args: string[]) => runMailsort(args, { MAILSORT_CONFIG: '' });

// The table of every command is packages/cli/src/commands/cli-main.test.ts; these run the real
// process, a service and a command, for the exit code and the absence of a stack trace.
test('regression: mailsort router --help prints the usage and exits 0 instead of crashing with ERR_PARSE_ARGS_UNKNOWN_OPTION', async () => {
  const result = await mailsort('router', '--help');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^usage: mailsort router \[--config FILE\] \[--http-port N\]/);
  assert.equal(result.stderr, '');
});

test('regression: mailsort check-config --colour prints one line naming the option and the usage, exit 2, no stack', async () => {
  const result = await mailsort('check-config', '--colour');
  assert.equal(result.code, 2);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^mailsort check-config: unknown option --colour\nusage: mailsort check-config /);
  assert.doesNotMatch(result.stderr, /\n\s+at |ERR_PARSE_ARGS/);
});

function entryPoint(service: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // How production runs a service: its own entry point, not the mailsort command.
  const child = spawn(process.execPath, [`services/${service}/dist/main.js`, ...args], { env: { ...process.env, MAILSORT_CONFIG: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

for (const service of ['ingest', 'router', 'sender', 'gocd-sync']) {
  test(`regression: node services/${service}/…/main.js --help crashed with ERR_PARSE_ARGS_UNKNOWN_OPTION — the entry point prints the usage, and a wrong option gets one line and exit 2`, async () => {
    const help = await entryPoint(service, '--help');
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, new RegExp(`^usage: mailsort ${service} \\[--config FILE\\] \\[--http-port N\\] \\[--watch-config\\]`));
    const wrong = await entryPoint(service, '--colour');
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, new RegExp(`^mailsort ${service}: Unknown option '--colour'\\nusage: `));
    assert.doesNotMatch(wrong.stderr, /\n\s+at /);
  });
}

test('mailsort router takes --watch-config, as the service itself does (the CLI checked its own, shorter option list)', async () => {
  const result = await mailsort('router', '--watch-config', '--help');
  assert.equal(result.code, 0, result.stderr);
});
