import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  const problems = problemsOf(
    ['redis:', '  url: redis://x', '  bogus: 1', 'ingest:', '  limits:', '    socket_timeout: soon', 'upstreams:', '  - name: default', '    host: h', '    port: 70000', '    tls: maybe'].join('\n'),
  );
  assert.deepEqual(
    problems.map((p) => p.split(': ')[0]),
    ['3:3 redis.bogus', '6:5 ingest.limits.socket_timeout', '10:5 upstreams[0].port', '11:5 upstreams[0].tls'],
  );
  assert.match(problems[0]!, /unknown key/);
});

test('a missing required section is reported against the top level', () => {
  assert.deepEqual(
    problemsOf('redis: {}\n').map((p) => p.split(': ')[0]),
    ['1:1 upstreams'],
  );
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
  assert.deepEqual(
    problemsOf(text).map((p) => p.split(': ')[0]),
    ['5:5 managers[0].messages-we-want', '6:7 managers[0].messages-we-want.too'],
  );
});

test('a stored message must outlive its retries: message_ttl shorter than max_lifetime is refused', () => {
  assert.deepEqual(problemsOf(`${MINIMAL}redis: { message_ttl: 1h }\ndelivery: { max_lifetime: 24h }\n`), ['3:10 redis.message_ttl: must be at least delivery.max_lifetime (86400 s)']);
});

const HASH = '$2b$04$rSvMg2PglZK3cUDIEdMsluAixGjJWzLa4HNhWNzhhbMCDZfnkD0Tq';
const USER = `{ username: ci, password_hash: "${HASH}", allowed_senders: ["*"] }`;
const TWO_UPSTREAMS = 'upstreams:\n  - { name: default, host: a.example.com }\n  - { name: backup, host: b.example.com }\n';

// Every cross-reference a service would otherwise refuse at start: reported by the loader,
// at the key that holds the reference, with file:line:col.
const CROSS_REFERENCES: Array<{ name: string; text: string; files?: Record<string, string>; expected: string }> = [
  {
    name: 'routing.default_upstream names no upstream',
    text: `${TWO_UPSTREAMS}routing:\n  default_upstream: nope\n`,
    expected: '5:3 routing.default_upstream: no upstream is named "nope" (have: default, backup)',
  },
  { name: 'a fallback names no upstream', text: 'upstreams:\n  - { name: default, host: a, fallback: [spare] }\n', expected: '2:42 upstreams[0].fallback[0]: no upstream is named "spare"' },
  {
    name: 'dead_letters.notify.upstream names no upstream',
    text: `${TWO_UPSTREAMS}delivery:\n  dead_letters:\n    notify: { to: ops@example.com, upstream: nowhere }\n`,
    expected: '6:36 delivery.dead_letters.notify.upstream: no upstream is named "nowhere" (have: default, backup)',
  },
  {
    name: "a rule's action names no webhook",
    text: `${MINIMAL}routing:\n  managers:\n    - name: m\n      kind: mail\n      messages_we_want: { to: a@example.com }\n      rules:\n        - { actions: ["slack:ops"], filter: { function: mail.in_subject, args: [x] } }\n`,
    expected: '9:23 routing.managers[0].rules[0].actions[0]: no webhook named "ops" in routing.webhooks',
  },
  {
    name: "a manager's fallback_actions name no webhook",
    text: `${MINIMAL}routing:\n  managers:\n    - name: m\n      kind: mail\n      messages_we_want: { to: a@example.com }\n      fallback_actions: ["webhook:gone"]\n`,
    expected: '8:26 routing.managers[0].fallback_actions[0]: no webhook named "gone" in routing.webhooks',
  },
  {
    name: 'routing.fallback_actions name no webhook',
    text: `${MINIMAL}routing:\n  fallback_actions: ["slack:gone"]\n`,
    expected: '4:22 routing.fallback_actions[0]: no webhook named "gone" in routing.webhooks',
  },
  {
    name: 'a TLS listener without ingest.tls',
    text: `${MINIMAL}ingest:\n  listeners: [{ name: smtps, port: 465, tls: implicit }]\n`,
    expected: '4:41 ingest.listeners[0].tls: tls: implicit needs ingest.tls (cert_file and key_file)',
  },
  {
    name: 'two listeners on one address',
    text: `${MINIMAL}ingest:\n  listeners: [{ name: a, port: 25 }, { name: b, port: 25 }]\n`,
    expected: '4:49 ingest.listeners[1].port: another listener already uses 0.0.0.0:25',
  },
  {
    name: 'two listeners with one name',
    text: `${MINIMAL}ingest:\n  listeners: [{ name: a, port: 25 }, { name: a, port: 26 }]\n`,
    expected: '4:40 ingest.listeners[1].name: listener "a" is defined twice',
  },
  {
    name: 'an unreadable ingest.tls.cert_file',
    text: `${MINIMAL}ingest:\n  tls: { cert_file: /no/cert.pem, key_file: /k.pem }\n`,
    files: { '/k.pem': 'x' },
    expected: '4:10 ingest.tls.cert_file: cannot read /no/cert.pem: ENOENT',
  },
  {
    name: 'an ingest.tls that is not a PEM certificate and key',
    text: `${MINIMAL}ingest:\n  tls: { cert_file: /c.pem, key_file: /k.pem }\n`,
    files: { '/c.pem': 'not a cert', '/k.pem': 'not a key' },
    expected: '4:3 ingest.tls: /c.pem and /k.pem are not a usable PEM certificate and key: ',
  },
  { name: 'an unreadable users_file', text: `${MINIMAL}ingest:\n  users_file: /no/users.yml\n`, expected: '4:3 ingest.users_file: cannot read /no/users.yml: ENOENT' },
  {
    name: 'a users_file with a plain password',
    text: `${MINIMAL}ingest:\n  users_file: /u.yml\n`,
    files: { '/u.yml': '- { username: a, password_hash: hunter2, allowed_senders: ["*"] }\n' },
    expected: '4:3 ingest.users_file: /u.yml: 0.password_hash: expected a bcrypt hash',
  },
  {
    name: 'a users_file user also defined in the config',
    text: `${MINIMAL}ingest:\n  users: [${USER}]\n  users_file: /u.yml\n`,
    files: { '/u.yml': `- ${USER}\n` },
    expected: '5:3 ingest.users_file: /u.yml: user "ci" is defined twice',
  },
  {
    name: "an unreadable upstream's tls_config.ca_file",
    text: 'upstreams:\n  - { name: default, host: h, tls_config: { ca_file: /no/ca.pem } }\n',
    expected: '2:45 upstreams[0].tls_config.ca_file: cannot read /no/ca.pem: ENOENT',
  },
  // Regression: a CA file with no certificate in it passed, and every TLS connection to Redis then failed its handshake.
  {
    name: 'a redis.tls.ca_file with no certificate in it',
    text: `${MINIMAL}redis:\n  url: rediss://redis:6380\n  tls: { ca_file: /ca.pem }\n`,
    files: { '/ca.pem': 'redis-0\n' },
    expected: '5:10 redis.tls.ca_file: /ca.pem holds no PEM certificate',
  },
  {
    name: "an upstream's tls_config.ca_file whose certificate does not parse",
    text: 'upstreams:\n  - { name: default, host: h, tls_config: { ca_file: /ca.pem } }\n',
    files: { '/ca.pem': '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n' },
    expected: '2:45 upstreams[0].tls_config.ca_file: /ca.pem holds a certificate that does not parse',
  },
];

for (const row of CROSS_REFERENCES) {
  test(`cross-reference: ${row.name} is reported by the loader`, () => {
    const read = (path: string) => {
      const text = row.files?.[path];
      if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return text;
    };
    const problems = problemsOf(row.text, {}, read);
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.ok(problems[0]!.startsWith(row.expected), `${problems[0]}\n  does not start with\n${row.expected}`);
  });
}

test('cross-reference checks pass a config whose references and files are all good', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailsort-refs-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    { stdio: 'ignore' },
  );
  writeFileSync(join(dir, 'users.yml'), `- { username: other, password_hash: "${HASH}", allowed_senders: ["*"] }\n`);
  const text = `${TWO_UPSTREAMS}ingest:\n  tls: { cert_file: ${dir}/cert.pem, key_file: ${dir}/key.pem }\n  users: [${USER}]\n  users_file: ${dir}/users.yml\n  listeners: [{ name: a, port: 0 }, { name: b, port: 0 }]\ndelivery:\n  dead_letters:\n    notify: { to: ops@example.com, upstream: backup }\n`;
  const { config } = loadConfig({ file: 'f', text }, {});
  assert.equal(config.delivery.dead_letters.notify?.upstream, 'backup');
});

test('redis.shards and redis.cluster_nodes: bad values are refused with their key; defaults are one shard and no cluster', () => {
  const table: Array<{ redis: string; problem: string }> = [
    { redis: 'shards: 0', problem: '2:3 redis.shards: must be at least 1' },
    { redis: 'shards: 2.5', problem: '2:3 redis.shards: must be a whole number' },
    { redis: 'shards: 65', problem: '2:3 redis.shards: at most 64' },
    { redis: 'cluster_nodes: [redis-0]', problem: '2:19 redis.cluster_nodes[0]: a cluster node is host:port, e.g. redis-0.redis:6379 or [fd00::5]:6379' },
    { redis: 'cluster_nodes: []', problem: '2:3 redis.cluster_nodes: list at least one node, or leave cluster_nodes out' },
  ];
  for (const { redis, problem } of table) assert.deepEqual(problemsOf(`redis:\n  ${redis}\n${MINIMAL}`), [problem], redis);
  const { config } = loadConfig({ file: 'f', text: MINIMAL }, {});
  assert.equal(config.redis.shards, 1);
  assert.equal(config.redis.cluster_nodes, undefined);
  const { config: clustered } = loadConfig({ file: 'f', text: `redis:\n  shards: 3\n  cluster_nodes: [redis-0.redis:6379, 10.0.0.2:7000]\n${MINIMAL}` }, {});
  assert.deepEqual([clustered.redis.shards, clustered.redis.cluster_nodes], [3, ['redis-0.redis:6379', '10.0.0.2:7000']]);
});
