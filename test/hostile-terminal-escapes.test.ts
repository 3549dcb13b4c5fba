import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeConfigFile } from './support/config.js';
import { runMailsort } from './support/mailsort-cli.js';

const mailsort = (args: string[]) => runMailsort(args, { REDIS_URL: 'redis://127.0.0.1:1' });

test('regression: explain printed decoded subjects raw — ESC[2J, BEL and a bidi override reach the terminal escaped', async () => {
  const config = writeConfigFile({ upstreams: [{ name: 'default', host: 'smtp.example.com' }], routing: { managers: [] } });
  const encoded = Buffer.from('clear\x1b[2J\x07 \u202eevil', 'utf8').toString('base64');
  const message = writeConfigFile(['From: a@example.com', 'To: b@example.com', `Subject: =?utf-8?b?${encoded}?=`, '', 'x', ''].join('\r\n'), 'escapes.eml');
  const { code, stdout, stderr } = await mailsort(['explain', '--config', config, message]);
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stdout, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/, 'no control character but the line ends');
  assert.match(stdout, /^subject +clear\\x1b\[2J\\x07 \\u202eevil$/m);
});
