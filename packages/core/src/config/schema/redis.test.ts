import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { clusterStartupNodes } from '../../redis/cluster.js';
import { ConfigError, loadConfig } from '../load-config.js';

const UPSTREAM = 'upstreams: [{ name: default, host: mx }]';
// A CA file must hold a certificate that parses (references.ts): a real one, made by openssl.
const CA_PEM = execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=redis-ca', '-days', '2'], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'ignore'],
});
const files: Record<string, string> = { '/run/secrets/sentinel': 'hunter2\n', '/etc/redis/ca.pem': CA_PEM };
const readFile = (path: string) => {
  if (!(path in files)) throw new Error('ENOENT: no such file');
  return files[path]!;
};

function load(redisLines: string[], extra: string[] = []) {
  return loadConfig({ file: 'm.yml', text: ['redis:', ...redisLines.map((line) => `  ${line}`), ...extra, UPSTREAM].join('\n') }, {}, readFile);
}

function problemsOf(redisLines: string[], extra: string[] = []): string[] {
  try {
    load(redisLines, extra);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.line}: ${p.key}: ${p.message}`);
    throw error;
  }
  return [];
}

const refused: Array<{ name: string; redis: string[]; extra?: string[]; expected: string[] }> = [
  { name: 'Sentinels without the master they watch', redis: ['sentinels: [s1:26379]'], expected: ['2: redis.sentinels: needs redis.master_name, the master group the Sentinels monitor'] },
  { name: 'a master name without Sentinels', redis: ['master_name: mymaster'], expected: ['2: redis.master_name: is used only with redis.sentinels; list them, or leave master_name out'] },
  {
    name: 'a Sentinel password without Sentinels',
    redis: ['sentinel_password: x'],
    expected: ['2: redis.sentinel_password: is used only with redis.sentinels; list them, or leave sentinel_password out'],
  },
  { name: 'an empty Sentinel list', redis: ['sentinels: []', 'master_name: m'], expected: ['2: redis.sentinels: list at least one Sentinel, or leave sentinels out'] },
  {
    name: 'a Sentinel without a port',
    redis: ['sentinels: [s1:26379, s2]', 'master_name: m'],
    expected: ['2: redis.sentinels[1]: expected host:port, e.g. sentinel-0:26379'],
  },
  { name: 'a URL that is not redis://', redis: ['url: http://redis:6379'], expected: ['2: redis.url: "http://redis:6379" is not a redis:// or rediss:// URL'] },
  { name: 'a URL that is not redis://, its password hidden', redis: ['url: "tcp://:pw@redis:6379"'], expected: ['2: redis.url: "tcp://[redacted]@redis:6379" is not a redis:// or rediss:// URL'] },
  { name: 'a Sentinel on port 0', redis: ['sentinels: ["s1:0"]', 'master_name: m'], expected: ['2: redis.sentinels[0]: "s1:0": port 0 is not 1 to 65535'] },
  { name: 'a Sentinel port past 65535', redis: ['sentinels: [s0:26379, "s1:99999"]', 'master_name: m'], expected: ['2: redis.sentinels[1]: "s1:99999": port 99999 is not 1 to 65535'] },
  { name: 'a URL port past 65535', redis: ['url: "redis://h:99999"'], expected: ['2: redis.url: "redis://h:99999": port 99999 is not 1 to 65535'] },
  { name: 'a cluster node port past 65535', redis: ['cluster_nodes: ["[::1]:7000", "redis-1:99999"]'], expected: ['2: redis.cluster_nodes[1]: "redis-1:99999": port 99999 is not 1 to 65535'] },
  { name: 'a cluster node without a port', redis: ['cluster_nodes: ["fd00::5"]'], expected: ['2: redis.cluster_nodes[0]: a cluster node is host:port, e.g. redis-0.redis:6379 or [fd00::5]:6379'] },
  { name: 'a URL on port 0', redis: ['url: "redis://h:0"'], expected: ['2: redis.url: "redis://h:0": port 0 is not 1 to 65535'] },
  { name: 'a URL whose database is not a number', redis: ['url: "redis://:pw@h/abc"'], expected: ['2: redis.url: "redis://[redacted]@h/abc": "abc" is not a database number'] },
  { name: 'a URL with a negative database', redis: ['url: "redis://h:6379/-1"'], expected: ['2: redis.url: "redis://h:6379/-1": "-1" is not a database number'] },
  { name: 'a URL that does not parse', redis: ['url: "redis://h:6379 x"'], expected: ['2: redis.url: "redis://h:6379 x" is not a URL'] },
  { name: 'a negative replica count', redis: ['min_replicas_acked: -1'], expected: ['2: redis.min_replicas_acked: Too small: expected number to be >=0'] },
  {
    name: 'WAIT with no timeout would block for ever',
    redis: ['min_replicas_acked: 1', 'replica_ack_timeout: 0'],
    expected: ['3: redis.replica_ack_timeout: must be more than 0 when min_replicas_acked is set (WAIT with 0 waits for ever)'],
  },
  {
    name: 'a replica timeout past the store timeout',
    redis: ['min_replicas_acked: 1', 'replica_ack_timeout: 20s'],
    expected: ['3: redis.replica_ack_timeout: must be less than ingest.limits.store_timeout (15 s)'],
  },
  { name: 'a CA file that cannot be read', redis: ['tls: { ca_file: /nowhere/ca.pem }'], expected: ['2: redis.tls.ca_file: cannot read /nowhere/ca.pem: ENOENT: no such file'] },
  { name: 'an unknown TLS key', redis: ['tls: { ca: x }'], expected: ['2: redis.tls.ca: unknown key'] },
  {
    name: 'a Sentinel password given twice',
    redis: ['sentinels: [s1:26379]', 'master_name: m', 'sentinel_password: a', 'sentinel_password_file: /run/secrets/sentinel'],
    expected: ['5: redis.sentinel_password_file: give either sentinel_password or sentinel_password_file, not both'],
  },
];

for (const { name, redis, extra, expected } of refused) {
  test(`check-config refuses ${name}, at its line`, () => {
    assert.deepEqual(problemsOf(redis, extra), expected);
  });
}

test('a Sentinel setup loads: Sentinels, master name, the Sentinel password from a file, TLS with a CA file, WAIT 1 after 1 s by default', () => {
  const { config } = load([
    'url: rediss://redis',
    'sentinels: [sentinel-0:26379, "[::1]:26380"]',
    'master_name: mymaster',
    'sentinel_password_file: /run/secrets/sentinel',
    'tls: { ca_file: /etc/redis/ca.pem }',
    'min_replicas_acked: 1',
  ]);
  assert.deepEqual(config.redis.sentinels, ['sentinel-0:26379', '[::1]:26380']);
  assert.equal(config.redis.master_name, 'mymaster');
  assert.equal(config.redis.sentinel_password, 'hunter2');
  assert.deepEqual(config.redis.tls, { ca_file: '/etc/redis/ca.pem', reject_unauthorized: true });
  assert.equal(config.redis.min_replicas_acked, 1);
  assert.equal(config.redis.replica_ack_timeout, 1000);
});

test("without the new keys Redis is today's: one URL, no replicas awaited", () => {
  const { config } = load(['prefix: p']);
  assert.equal(config.redis.url, 'redis://127.0.0.1:6379');
  assert.equal(config.redis.sentinels, undefined);
  assert.equal(config.redis.min_replicas_acked, 0);
});

test('regression: cluster_nodes takes IPv6 nodes in brackets, as sentinels do, and the connection gets the bare address', () => {
  const { config } = load(['cluster_nodes: ["[::1]:7000", "[fd00::5]:7001", redis-2.redis:7002]', 'shards: 3']);
  assert.deepEqual(config.redis.cluster_nodes, ['[::1]:7000', '[fd00::5]:7001', 'redis-2.redis:7002']);
  assert.deepEqual(clusterStartupNodes(config.redis.cluster_nodes!), [
    { host: '::1', port: 7000 },
    { host: 'fd00::5', port: 7001 },
    { host: 'redis-2.redis', port: 7002 },
  ]);
});
