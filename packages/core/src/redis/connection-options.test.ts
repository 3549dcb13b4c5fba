import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redisSchema, type RedisConfig } from '../config/schema/redis.js';
import { parseHostPort, redisTarget, type RedisTarget } from './connection-options.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const read = (path: string) => {
  if (path === '/etc/redis/ca.pem') return CA;
  throw new Error(`unexpected read of ${path}`);
};
const redis = (input: Record<string, unknown>): RedisConfig => redisSchema.parse(input);

const rows: Array<{ name: string; config: Record<string, unknown>; expected: RedisTarget }> = [
  {
    name: 'the default: one local Redis',
    config: {},
    expected: { mode: 'single', options: { db: 0, host: '127.0.0.1', port: 6379 }, describe: 'redis://127.0.0.1:6379' },
  },
  {
    name: 'a URL with password and database; the password never described',
    config: { url: 'redis://:s3cr%40t@redis.internal:6380/2' },
    expected: { mode: 'single', options: { db: 2, password: 's3cr@t', host: 'redis.internal', port: 6380 }, describe: 'redis://[redacted]@redis.internal:6380/2' },
  },
  {
    name: 'rediss:// speaks TLS, checking the certificate',
    config: { url: 'rediss://managed.example.com:6380' },
    expected: { mode: 'single', options: { db: 0, tls: { rejectUnauthorized: true }, host: 'managed.example.com', port: 6380 }, describe: 'rediss://managed.example.com:6380' },
  },
  {
    name: 'tls with a CA file and a server name, password and user from the config over the URL',
    config: { url: 'redis://u:p@10.0.0.5', tls: { ca_file: '/etc/redis/ca.pem', servername: 'redis.internal' }, username: 'mailsort', password: 'pw' },
    expected: {
      mode: 'single',
      options: { db: 0, username: 'mailsort', password: 'pw', tls: { rejectUnauthorized: true, ca: CA, servername: 'redis.internal' }, host: '10.0.0.5', port: 6379 },
      describe: 'redis://[redacted]@10.0.0.5',
    },
  },
  {
    name: 'an IPv6 URL',
    config: { url: 'redis://[::1]:6379' },
    expected: { mode: 'single', options: { db: 0, host: '::1', port: 6379 }, describe: 'redis://[::1]:6379' },
  },
  {
    name: 'Sentinels: the master by name, the URL host unused',
    config: { url: 'redis://:pw@ignored:1/1', sentinels: ['s0:26379', '[::1]:26380'], master_name: 'mymaster', sentinel_password: 'spw' },
    expected: {
      mode: 'sentinel',
      options: {
        db: 1,
        password: 'pw',
        sentinels: [
          { host: 's0', port: 26379 },
          { host: '::1', port: 26380 },
        ],
        name: 'mymaster',
        sentinelPassword: 'spw',
      },
      describe: 'sentinel mymaster via s0:26379,[::1]:26380',
    },
  },
  {
    name: 'Sentinels with TLS: the Sentinels are spoken to in TLS as well, with the same CA',
    config: { url: 'rediss://x', sentinels: ['s0:26379'], master_name: 'm', tls: { ca_file: '/etc/redis/ca.pem', reject_unauthorized: false } },
    expected: {
      mode: 'sentinel',
      options: {
        db: 0,
        tls: { rejectUnauthorized: false, ca: CA },
        sentinels: [{ host: 's0', port: 26379 }],
        name: 'm',
        enableTLSForSentinelMode: true,
        sentinelTLS: { rejectUnauthorized: false, ca: CA },
      },
      describe: 'sentinel m via s0:26379',
    },
  },
  {
    name: "the data nodes' tls.servername is not applied to the Sentinels, which are checked against their own host",
    config: { url: 'rediss://x', sentinels: ['s0:26379'], master_name: 'm', tls: { servername: 'redis.internal' } },
    expected: {
      mode: 'sentinel',
      options: {
        db: 0,
        tls: { rejectUnauthorized: true, servername: 'redis.internal' },
        sentinels: [{ host: 's0', port: 26379 }],
        name: 'm',
        enableTLSForSentinelMode: true,
        sentinelTLS: { rejectUnauthorized: true },
      },
      describe: 'sentinel m via s0:26379',
    },
  },
];

for (const { name, config, expected } of rows) {
  test(`redisTarget: ${name}`, () => {
    assert.deepEqual(redisTarget(redis(config), read), expected);
  });
}

test('redisTarget refuses a database that is not a number, naming the URL without its password', () => {
  assert.throws(() => redisTarget({ ...redis({}), url: 'redis://:pw@h/abc' }, read), /redis\.url "redis:\/\/\[redacted\]@h\/abc": "abc" is not a database number/);
});

test('parseHostPort takes host:port and [v6]:port, and refuses a port out of range', () => {
  assert.deepEqual(parseHostPort('sentinel-0:26379'), { host: 'sentinel-0', port: 26379 });
  assert.deepEqual(parseHostPort('[fd00::1]:26379'), { host: 'fd00::1', port: 26379 });
  assert.throws(() => parseHostPort('s:70000'), /"s:70000": port 70000 is not 1 to 65535/);
  assert.throws(() => parseHostPort('s'), /"s" is not host:port/);
});
