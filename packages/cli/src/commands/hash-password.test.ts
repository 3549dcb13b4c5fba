import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import bcrypt from 'bcryptjs';
import { cliCommand } from './cli-command.js';

function mailsort(args: string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { command, args: base } = cliCommand();
  const child = spawn(command, [...base, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(stdin);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

test('hash-password prints a bcrypt hash of the password read from stdin, without its trailing newline', async () => {
  const { code, stdout } = await mailsort(['hash-password', '--cost', '4'], 'correct horse battery staple\n');
  assert.equal(code, 0);
  const hash = stdout.trim();
  assert.match(hash, /^\$2b\$04\$[./A-Za-z0-9]{53}$/);
  assert.equal(await bcrypt.compare('correct horse battery staple', hash), true);
  assert.equal(await bcrypt.compare('correct horse battery staple\n', hash), false);
});

test('hash-password refuses an empty password', async () => {
  const { code, stderr, stdout } = await mailsort(['hash-password'], '\n');
  assert.equal(code, 1);
  assert.equal(stdout, '');
  assert.match(stderr, /the password is empty/);
});
