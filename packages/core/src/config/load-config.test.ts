import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './load-config.js';

const MINIMAL = 'upstreams:\n  - { name: default, host: smtp.example.com }\n';

function problemsOf(text: string, env: Record<string, string> = {}, readSecret?: (path: string) => string) {
  try {
    loadConfig({ file: 'mailsort.yml', text }, env, readSecret);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems.map((p) => `${p.line}:${p.col} ${p.key}: ${p.message}`);
  }
  assert.fail('expected the config to be rejected');
}

test('a minimal native config gets every default and comes back frozen', () => {
  const { config, format } = loadConfig({ file: 'mailsort.yml', text: MINIMAL }, {});
  assert.equal(format, 'native');
  assert.equal(config.redis.url, 'redis://127.0.0.1:6379');
  assert.equal(config.redis.message_ttl, 7 * 86_400_000);
  assert.equal(config.ingest.limits.max_message_size, 25 * 1024 * 1024);
  assert.equal(config.ingest.limits.socket_timeout, 60_000, 'defaults go through the unit parser too');
  assert.equal(config.upstreams[0]!.port, 25);
  assert.equal(config.routing.default_upstream, 'default');
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.upstreams[0]));
});

test('every problem is reported at once with its line, column and key', () => {
  const problems = problemsOf([
    'redis:',
    '  url: redis://x',
    '  bogus: 1',
    'ingest:',
    '  limits:',
    '    socket_timeout: soon',
    'upstreams:',
    '  - name: default',
    '    host: h',
    '    port: 70000',
    '    tls: maybe',
  ].join('\n'));
  assert.deepEqual(problems.map((p) => p.split(': ')[0]), ['3:3 redis.bogus', '6:5 ingest.limits.socket_timeout', '10:5 upstreams[0].port', '11:5 upstreams[0].tls']);
  assert.match(problems[0]!, /unknown key/);
});

test('a missing required section is reported against the top level', () => {
  assert.deepEqual(problemsOf('redis: {}\n').map((p) => p.split(': ')[0]), ['1:1 upstreams']);
});

test('YAML syntax errors and duplicate keys are reported with their line', () => {
  assert.match(problemsOf('upstreams:\n  - name: a\n    host: [unclosed\n')[0]!, /^\d+:\d+ /);
  assert.match(problemsOf(`${MINIMAL}redis: {}\nredis: {}\n`)[0]!, /^4:1 /);
});

test('the default upstream must name a configured upstream', () => {
  assert.match(problemsOf(`${MINIMAL}routing:\n  default_upstream: nope\n`)[0]!, /routing\.default_upstream: no upstream is named "nope"/);
});

test('${VAR}, ${VAR:-default} and $VAR are expanded; an unset variable is an error naming it', () => {
  const text = 'upstreams:\n  - name: default\n    host: ${SMARTHOST}\n    port: ${SMARTHOST_PORT:-587}\n    hello: $HELLO_NAME\n';
  const { config } = loadConfig({ file: 'f', text }, { SMARTHOST: 'mx.example.com', HELLO_NAME: 'relay1' });
  assert.equal(config.upstreams[0]!.host, 'mx.example.com');
  assert.equal(config.upstreams[0]!.port, 587);
  assert.equal(config.upstreams[0]!.hello, 'relay1');
  assert.deepEqual(problemsOf(text, { HELLO_NAME: 'x' }), ['3:5 upstreams[0].host: environment variable SMARTHOST is not set']);
});

test('a $ that does not start a variable name, and $$, stay literal (regexes keep their anchors)', () => {
  const text = `${MINIMAL}ingest:\n  hostname: "a$$b$"\n`;
  assert.equal(loadConfig({ file: 'f', text }, {}).config.ingest.hostname, 'a$b$');
});

test('REDIS_URL in the environment overrides redis.url', () => {
  const { config } = loadConfig({ file: 'f', text: `${MINIMAL}redis: { url: "redis://file:1" }\n` }, { REDIS_URL: 'redis://env:2' });
  assert.equal(config.redis.url, 'redis://env:2');
});

test('password_file reads the secret from a file, without its trailing newline', () => {
  const text = 'upstreams:\n  - { name: default, host: h }\ngocd:\n  url: https://gocd.example.com/go\n  username: u\n  password_file: /run/secrets/gocd\n';
  const { config } = loadConfig({ file: 'f', text }, {}, (path) => (path === '/run/secrets/gocd' ? 's3cret\n' : ''));
  assert.equal(config.gocd?.password, 's3cret');
  const problems = problemsOf(text, {}, () => {
    throw new Error('ENOENT: no such file');
  });
  assert.deepEqual(problems, ['6:3 gocd.password_file: cannot read /run/secrets/gocd: ENOENT: no such file']);
});

test('a mail2alert config with a typo is rejected at the typo, in its own key names', () => {
  const text = 'local-smtp: localhost:1025\nremote-smtp: localhost:8025\nmanagers:\n  - name: gocd\n    messages-we-want:\n      too: x@example.com\n';
  assert.deepEqual(problemsOf(text).map((p) => p.split(': ')[0]), ['5:5 managers[0].messages-we-want', '6:7 managers[0].messages-we-want.too']);
});

test('a stored message must outlive its retries: message_ttl shorter than max_lifetime is refused', () => {
  assert.deepEqual(problemsOf(`${MINIMAL}redis: { message_ttl: 1h }\ndelivery: { max_lifetime: 24h }\n`), ['3:10 redis.message_ttl: must be at least delivery.max_lifetime (86400 s)']);
});
