import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createGocdState } from '@mailsort/core';
import { startFakeGocd, type FakeGocd } from '../../../test/support/fake-gocd.js';
import { startInProcess, type InProcess } from '../../../test/support/in-process.js';
import { testRedis, uniquePrefix } from '../../../test/support/redis.js';
import { waitUntil } from '../../../test/support/wait.js';
import { createGocdSyncService } from './gocd-sync-service.js';

const GROUPS = [
  { name: 'my-group', pipelines: ['build', 'deploy'] },
  { name: 'other', pipelines: ['x'] },
];

const redis = testRedis();
const running: InProcess[] = [];
const fakes: FakeGocd[] = [];
after(async () => {
  for (const service of running) await service.cleanUp();
  await Promise.all(fakes.map((fake) => fake.close()));
  redis.disconnect();
});

async function fakeGocd(): Promise<FakeGocd> {
  const fake = await startFakeGocd({ groups: GROUPS });
  fakes.push(fake);
  return fake;
}

async function gocdSync(name: string, fake: FakeGocd, interval: string, prefix?: string): Promise<InProcess> {
  const config = {
    upstreams: [{ name: 'default', host: '127.0.0.1', port: 9, tls: 'none' }],
    gocd: { url: fake.url, username: 'admin', password: 'secret', cctray: false, interval },
  };
  const service = await startInProcess(name, createGocdSyncService, config, prefix ? { prefix } : {});
  running.push(service);
  return service;
}

const groupPolls = (fake: FakeGocd) => fake.requests.filter((request) => request.path === '/go/api/admin/pipeline_groups').length;

async function snapshotOf(prefix: string) {
  const state = createGocdState(redis, prefix);
  await waitUntil(async () => (await state.readSnapshot()) !== null, 10_000, 'pipeline-group snapshot', 10);
  return (await state.readSnapshot())!;
}

test('on start it writes the pipeline-group snapshot the router reads, and says so in its metrics', async () => {
  const fake = await fakeGocd();
  const sync = await gocdSync('gocd-sync-snapshot', fake, '60s');
  const snapshot = await snapshotOf(sync.prefix);
  assert.deepEqual(snapshot.groups, GROUPS);
  assert.equal(snapshot.source, fake.url);
  assert.equal(await sync.metric('mailsort_gocd_sync_pipelines'), 3);
  assert.equal(await sync.metric('mailsort_gocd_sync_last_success_timestamp_seconds'), snapshot.checkedAt / 1000);
});

test('two replicas on one Redis poll GoCD once per interval: only the one holding the poll lock asks', async () => {
  const fake = await fakeGocd();
  const prefix = uniquePrefix('gocd-sync-replicas');
  const first = await gocdSync('gocd-sync-replica-1', fake, '60s', prefix);
  const second = await gocdSync('gocd-sync-replica-2', fake, '60s', prefix);
  await snapshotOf(prefix);
  // Both ticked at start; stopping waits for any poll in flight, so every request is in by now.
  await Promise.all([first.stop(), second.stop()]);
  assert.equal(groupPolls(fake), 1);
  const updates = [...first.logs, ...second.logs].filter((line) => line.msg === 'pipeline-group snapshot updated');
  assert.equal(updates.length, 1, 'one replica wrote the snapshot');
});

test('a GoCD error keeps the last snapshot, logged with its code and counted by reason', async () => {
  const fake = await fakeGocd();
  const sync = await gocdSync('gocd-sync-error', fake, '200ms');
  const good = await snapshotOf(sync.prefix);
  fake.setMode('error');
  await waitUntil(async () => (await sync.metric('mailsort_gocd_sync_errors_total', { reason: 'status' })) >= 1, 10_000, 'counted GoCD error', 20);
  const line = await sync.waitForLog((entry) => entry.reason === 'status', 'the failed poll');
  assert.equal(line.code, 'GOCD_BAD_RESPONSE');
  assert.match(String(line.msg), /unexpected status 500/);
  const kept = await createGocdState(redis, sync.prefix).readSnapshot();
  assert.deepEqual(kept?.groups, GROUPS);
  assert.equal(kept?.fetchedAt, good.fetchedAt, 'the snapshot is the one written before the error');
});
