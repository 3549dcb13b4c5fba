import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ConfigError, loadConfig } from '../load-config.js';
import { configSchema } from './index.js';

const HASH = '$2b$04$rSvMg2PglZK3cUDIEdMsluAixGjJWzLa4HNhWNzhhbMCDZfnkD0Tq';

function problemsOf(text: string): string[] {
  try {
    loadConfig({ file: 'm.yml', text }, {});
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.line}: ${p.key}: ${p.message}`);
    throw error;
  }
  return [];
}

test('a listener asking for TLS without ingest.tls is refused at its line', () => {
  const text = 'ingest:\n  listeners:\n    - { name: smtps, port: 465, tls: implicit }\nupstreams: [{ name: default, host: mx }]\n';
  assert.deepEqual(problemsOf(text), ['3: ingest.listeners[0].tls: tls: implicit needs ingest.tls (cert_file and key_file)']);
});

test('ingest.tls defaults to TLS 1.2 at least, and users get their rate-limit window in ms', () => {
  const text = [
    'ingest:',
    '  tls: { cert_file: /etc/mailsort/cert.pem, key_file: /etc/mailsort/key.pem }',
    '  users:',
    `    - { username: am, password_hash: "${HASH}", allowed_senders: ["@example.com"], rate_limit: { messages: 5, per: 1m } }`,
    'upstreams: [{ name: default, host: mx }]',
  ].join('\n');
  // The schema alone: the loader would also read the certificate files, which do not exist here.
  const config = configSchema.parse(parse(text));
  assert.equal(config.ingest.tls?.min_version, 'TLSv1.2');
  assert.deepEqual(config.ingest.users[0]!.rate_limit, { messages: 5, per: 60_000 });
  assert.equal(config.ingest.auth.max_failures_per_connection, 3);
});

test('a plain password, a bad sender pattern and TLS 1.0 are each reported', () => {
  const text = [
    'ingest:',
    '  tls: { cert_file: c.pem, key_file: k.pem, min_version: TLSv1 }',
    '  users:',
    '    - { username: am, password_hash: hunter2, allowed_senders: ["not an address"] }',
    'upstreams: [{ name: default, host: mx }]',
  ].join('\n');
  const problems = problemsOf(text);
  assert.equal(problems.length, 3, problems.join('\n'));
  assert.ok(problems.some((p) => p.includes('ingest.tls.min_version')));
  assert.ok(problems.some((p) => p.includes('ingest.users[0].password_hash: expected a bcrypt hash')));
  assert.ok(problems.some((p) => p.includes('ingest.users[0].allowed_senders[0]')));
});

test('a bcrypt hash pasted into the config is taken literally (regression: "$2b$04$rSv…" was read as the variable $rSv…)', () => {
  const text = `ingest:\n  users:\n    - { username: am, password_hash: "${HASH}", allowed_senders: ["*"] }\nupstreams: [{ name: default, host: mx }]\n`;
  assert.equal(loadConfig({ file: 'm.yml', text }, {}).config.ingest.users[0]!.password_hash, HASH);
});
