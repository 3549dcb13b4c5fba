import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writeConfigFile } from './support/config.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function mailsort(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('pnpm', ['exec', 'mailsort', ...args], { cwd: ROOT, env: { ...process.env, REDIS_URL: 'redis://127.0.0.1:1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('regression: explain printed decoded subjects raw — ESC[2J, BEL and a bidi override reach the terminal escaped', async () => {
  const config = writeConfigFile({ upstreams: [{ name: 'default', host: 'smtp.example.com' }], routing: { managers: [] } });
  const encoded = Buffer.from('clear\x1b[2J\x07 \u202eevil', 'utf8').toString('base64');
  const message = writeConfigFile(['From: a@example.com', 'To: b@example.com', `Subject: =?utf-8?b?${encoded}?=`, '', 'x', ''].join('\r\n'), 'escapes.eml');
  const { code, stdout, stderr } = await mailsort(['explain', '--config', config, message]);
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stdout, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/, 'no control character but the line ends');
  assert.match(stdout, /^subject +clear\\x1b\[2J\\x07 \\u202eevil$/m);
});
