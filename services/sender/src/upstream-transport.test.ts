import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configSchema, type UpstreamConfig } from '@mailsort/core';
import { transportOptions } from './upstream-transport.js';

function upstream(input: Record<string, unknown>): UpstreamConfig {
  return configSchema.parse({ upstreams: [{ name: 'default', ...input }] }).upstreams[0]!;
}

const files: Record<string, string> = { '/ca.pem': 'CA', '/c.pem': 'CERT', '/k.pem': 'KEY' };
const readFile = (path: string) => Buffer.from(files[path] ?? '');

test('tls: starttls requires STARTTLS and never ignores it', () => {
  const options = transportOptions(upstream({ host: 'smtp.example.com', port: 587, tls: 'starttls', auth: { user: 'u', password: 'p' } }), readFile);
  assert.equal(options.requireTLS, true);
  assert.equal(options.ignoreTLS, false);
  assert.equal(options.opportunisticTLS, false);
  assert.equal(options.secure, false);
  assert.equal(options.tls?.rejectUnauthorized, true);
});

test('tls: implicit connects with TLS from the first byte', () => {
  const options = transportOptions(upstream({ host: 'smtp.example.com', port: 465, tls: 'implicit' }), readFile);
  assert.equal(options.secure, true);
});

test('tls_config maps Alertmanager fields onto Node TLS options', () => {
  const options = transportOptions(
    upstream({
      host: 'relay.internal',
      tls: 'starttls',
      tls_config: { ca_file: '/ca.pem', cert_file: '/c.pem', key_file: '/k.pem', server_name: 'mail.internal', min_version: 'TLS12', max_version: 'TLS13' },
    }),
    readFile,
  );
  assert.deepEqual(options.tls, {
    rejectUnauthorized: true,
    ca: Buffer.from('CA'),
    cert: Buffer.from('CERT'),
    key: Buffer.from('KEY'),
    servername: 'mail.internal',
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
  });
});

test("the proton-bridge preset skips verification of the bridge's self-signed certificate", () => {
  const config = upstream({ provider: 'proton-bridge', auth: { user: 'me@proton.me', password: 'bridge' } });
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 1025);
  const options = transportOptions(config, readFile);
  assert.equal(options.requireTLS, true);
  assert.equal(options.tls?.rejectUnauthorized, false);
});

test('a preset fills host, port and tls, and explicit fields win', () => {
  const config = upstream({ provider: 'gmail', port: 465, tls: 'implicit', auth: { user: 'me@gmail.com', password: 'app' } });
  assert.deepEqual([config.host, config.port, config.tls], ['smtp.gmail.com', 465, 'implicit']);
});

test('AUTH method and XOAUTH2 tokens reach nodemailer', () => {
  assert.equal(transportOptions(upstream({ host: 'h', tls: 'starttls', auth: { user: 'u', password: 'p', method: 'CRAM-MD5' } }), readFile).authMethod, 'CRAM-MD5');
  const oauth = transportOptions(upstream({ host: 'h', tls: 'starttls', auth: { user: 'u', method: 'XOAUTH2', access_token: 'tok' } }), readFile);
  assert.deepEqual(oauth.auth, { type: 'OAuth2', user: 'u', accessToken: 'tok' });
});

test('config refuses AUTH over a connection that may stay in clear, and unknown fallbacks', () => {
  const result = configSchema.safeParse({
    upstreams: [{ name: 'default', host: 'smtp.example.com', tls: 'starttls-opportunistic', auth: { user: 'u', password: 'p' }, fallback: ['nowhere'] }],
  });
  assert.equal(result.success, false);
  const messages = result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  assert.ok(
    messages.some((m) => m.startsWith('upstreams.0.tls: AUTH over tls: starttls-opportunistic')),
    messages.join('\n'),
  );
  assert.ok(messages.includes('upstreams.0.fallback.0: no upstream is named "nowhere"'), messages.join('\n'));
});
