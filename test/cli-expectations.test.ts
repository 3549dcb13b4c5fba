import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createExpectationStore } from '@mailsort/core';
import { writeConfigFile } from './support/config.js';
import { runMailsort } from './support/mailsort-cli.js';
import { deletePrefix, REDIS_URL, testRedis, uniquePrefix } from './support/redis.js';

const redis = testRedis();
const prefix = uniquePrefix('cli-expectations');
after(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

const config = () =>
  writeConfigFile({
    redis: { prefix, url: REDIS_URL },
    upstreams: [{ name: 'default', host: '127.0.0.1', port: 25, tls: 'none' }],
    routing: {
      expect: [
        { name: 'nas-backup', match: { event: { source: 'cron' } }, every: '24h', grace: '1h', per: 'host', notify: ['mailto:ops@example.com'] },
        { name: 'gocd-hourly', match: { function: 'pipelines.any' }, every: '1h', notify: ['mailto:ci@example.com'] },
      ],
    },
  });

test('mailsort expectations lists each expectation and each host with last seen, next due and state; --json gives the same as data', async () => {
  const store = createExpectationStore(redis, prefix);
  const now = Date.now();
  const hour = 3_600_000;
  await store.ping({ expectation: 'nas-backup', instance: 'nas1', kind: 'success' }, now - hour);
  await store.ping({ expectation: 'nas-backup', instance: 'nas2', kind: 'success' }, now - 24.5 * hour);
  await store.ping({ expectation: 'nas-backup', instance: 'nas3', kind: 'success' }, now - 30 * hour);
  await store.ping({ expectation: 'nas-backup', instance: 'nas4', kind: 'failure' }, now - hour);
  // A hostile host name (from a mail's subject) must not reach the terminal as an escape.
  await store.ping({ expectation: 'nas-backup', instance: 'evil\u001b[2J', kind: 'success' }, now - hour);
  const file = config();

  const json = await runMailsort(['expectations', '--config', file, '--json']);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as { expectations: Array<{ name: string; instances: Array<{ instance: string; state: string; lastSeen: string; nextDue: string }> }> };
  assert.deepEqual(
    report.expectations.map((e) => e.name),
    ['nas-backup', 'gocd-hourly'],
  );
  const states = Object.fromEntries(report.expectations[0]!.instances.map((i) => [i.instance, i.state]));
  assert.deepEqual(states, { 'evil\u001b[2J': 'ok', nas1: 'ok', nas2: 'late', nas3: 'missing', nas4: 'failing' });
  const nas1 = report.expectations[0]!.instances.find((i) => i.instance === 'nas1')!;
  assert.equal(Date.parse(nas1.nextDue) - Date.parse(nas1.lastSeen), 24 * hour);
  assert.deepEqual(report.expectations[1]!.instances, [], 'no mail yet, and no checker pass: no instance');

  const text = await runMailsort(['expectations', '--config', file]);
  assert.equal(text.code, 0, text.stderr);
  const lines = text.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^EXPECTATION\s+HOST\s+STATE\s+LAST SEEN\s+NEXT DUE\s+MISSING AFTER$/);
  assert.match(text.stdout, /nas-backup\s+nas3\s+missing\s+\d{4}-/);
  assert.match(text.stdout, /gocd-hourly\s+-\s+ok\s+no mail seen yet/);
  assert.doesNotMatch(text.stdout, /\u001b/);
});
