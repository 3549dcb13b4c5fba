import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cliMain, COMMAND_NAMES } from './cli-main.js';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await cliMain(argv, {}, { out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

// `queue list` stands for a subcommand: its --help and mistakes are the queue command's.
const INVOCATIONS = [...COMMAND_NAMES.map((name) => [name]), ['queue', 'list']];

for (const invocation of INVOCATIONS) {
  const name = invocation[0]!;
  const shown = name === 'start' ? 'dev' : name;
  for (const flag of ['--help', '-h']) {
    test(`regression: mailsort ${invocation.join(' ')} ${flag} prints its usage and exits 0 (was ERR_PARSE_ARGS_UNKNOWN_OPTION)`, async () => {
      const result = await run([...invocation, flag]);
      assert.equal(result.code, 0);
      assert.equal(result.err, '');
      assert.match(result.out, new RegExp(`^usage: mailsort ${shown}\\b`));
    });
  }
  test(`regression: mailsort ${invocation.join(' ')} with an unknown option prints one line naming it, the usage, and exits 2`, async () => {
    const result = await run([...invocation, '--no-such-option']);
    assert.equal(result.code, 2);
    assert.equal(result.out, '');
    const [first, second] = result.err.split('\n');
    assert.equal(first, `mailsort ${name}: unknown option --no-such-option`);
    assert.match(second!, new RegExp(`^usage: mailsort ${shown}\\b`));
    assert.doesNotMatch(result.err, /\n\s+at |ERR_PARSE_ARGS/);
  });
}

test('an option missing its value names the option and exits 2', async () => {
  const result = await run(['dev-cert', '--name']);
  assert.equal(result.code, 2);
  assert.match(result.err, /^mailsort dev-cert: Option '--name <value>' argument missing\nusage: mailsort dev-cert /);
});

test('-h given as the value of an option is that value, not a request for help', async () => {
  const result = await run(['explain', '--config', '/nonexistent.yml', '--from', '-h', 'x.eml']);
  assert.notEqual(result.code, 0);
  assert.doesNotMatch(result.out, /^usage:/);
});

test('mailsort --help lists every command and exits 0; no command exits 2', async () => {
  const help = await run(['--help']);
  assert.equal(help.code, 0);
  for (const name of COMMAND_NAMES) assert.match(help.out, new RegExp(`\\b${name}\\b`));
  assert.equal((await run([])).code, 2);
});
