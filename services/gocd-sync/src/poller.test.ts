import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { configSchema, createGocdMetrics, createGocdState, createLogger, createMetricsRegistry, type Logger } from '@mailsort/core';
import { startFakeGocd, type FakeGocd } from '../../../test/support/fake-gocd.js';
import { deletePrefix, testRedis, uniquePrefix } from '../../../test/support/redis.js';
import { createPoller } from './poller.js';
import type { GocdSettings } from './gocd-client.js';

const redis = testRedis();
const prefixes: string[] = [];
const fakes: FakeGocd[] = [];
after(async () => {
  for (const prefix of prefixes) await deletePrefix(redis, prefix);
  await Promise.all(fakes.map((fake) => fake.close()));
  redis.disconnect();
});

const GROUPS = [
  { name: 'my-group', pipelines: ['my-pipeline', 'ppp'] },
  { name: 'other', pipelines: ['x'] },
];

function settings(gocd: Record<string, unknown>): GocdSettings {
  return configSchema.parse({ upstreams: [{ name: 'default', host: 'h' }], gocd: { cctray: false, ...gocd } }).gocd!;
}

function harness(name: string, gocd: GocdSettings, prefix = uniquePrefix(name)) {
  prefixes.push(prefix);
  const registry = createMetricsRegistry('gocd-sync');
  const metrics = createGocdMetrics(registry);
  const logs: Array<Record<string, unknown>> = [];
  const logger: Logger = createLogger({ service: 'gocd-sync', level: 'debug', destination: { write: (line: string) => void logs.push(JSON.parse(line)) } });
  const poller = createPoller(gocd, { redis, prefix, logger, metrics });
  return { poller, prefix, logs, registry, state: createGocdState(redis, prefix) };
}

async function fake(options: Partial<Parameters<typeof startFakeGocd>[0]> = {}): Promise<FakeGocd> {
  const server = await startFakeGocd({ groups: GROUPS, ...options });
  fakes.push(server);
  return server;
}

let gocd: FakeGocd;
before(async () => {
  gocd = await fake({ users: { admin: { password: 'secret', admin: true }, viewer: { password: 'v', admin: false } }, tokens: ['tok-1'] });
});

test('writes the v1 pipeline groups to Redis, asking with the v1 media type and basic auth', async () => {
  const { poller, state } = harness('v1', settings({ url: gocd.url, username: 'admin', password: 'secret' }));
  assert.equal(await poller.pollOnce(), 'updated');
  const snapshot = await state.readSnapshot();
  assert.deepEqual(snapshot?.groups, GROUPS);
  const request = gocd.requests.at(-1)!;
  assert.equal(request.path, '/go/api/admin/pipeline_groups');
  assert.equal(request.accept, 'application/vnd.go.cd.v1+json');
  assert.equal(request.authorization, `Basic ${Buffer.from('admin:secret').toString('base64')}`);
});

test('sends If-None-Match and treats 304 as a confirmation of the snapshot', async () => {
  let clock = 1_000_000;
  const prefix = uniquePrefix('etag');
  prefixes.push(prefix);
  const registry = createMetricsRegistry('gocd-sync');
  const logger = createLogger({ service: 'gocd-sync', level: 'silent' });
  const poller = createPoller(settings({ url: gocd.url, username: 'admin', password: 'secret' }), { redis, prefix, logger, metrics: createGocdMetrics(registry), now: () => clock });
  const state = createGocdState(redis, prefix);
  assert.equal(await poller.pollOnce({ force: true }), 'updated');
  const first = (await state.readSnapshot())!;
  clock += 30_000;
  assert.equal(await poller.pollOnce({ force: true }), 'unchanged');
  assert.equal(gocd.requests.at(-1)!.status, 304);
  assert.equal(gocd.requests.at(-1)!.ifNoneMatch, first.etag);
  const second = (await state.readSnapshot())!;
  assert.equal(second.fetchedAt, first.fetchedAt);
  assert.equal(second.checkedAt, first.checkedAt + 30_000);
  assert.match(await registry.metrics(), /mailsort_gocd_sync_last_success_timestamp_seconds\{service="gocd-sync"\} 1030\b/);
});

test('a bearer token is sent as GoCD documents it', async () => {
  const { poller, state } = harness('token', settings({ url: gocd.url, token: 'tok-1' }));
  assert.equal(await poller.pollOnce(), 'updated');
  assert.equal(gocd.requests.at(-1)!.authorization, 'bearer tok-1');
  assert.ok(await state.readSnapshot());
});

test('a non-admin user gets 403: counted, logged with GOCD_REJECTED, and the last snapshot stays', async () => {
  const prefix = uniquePrefix('forbidden');
  const good = harness('forbidden', settings({ url: gocd.url, username: 'admin', password: 'secret' }), prefix);
  assert.equal(await good.poller.pollOnce({ force: true }), 'updated');
  const before = await good.state.readSnapshot();
  const viewer = harness('forbidden', settings({ url: gocd.url, username: 'viewer', password: 'v' }), prefix);
  assert.equal(await viewer.poller.pollOnce({ force: true }), 'failed');
  assert.equal(gocd.requests.at(-1)!.status, 403);
  assert.deepEqual(await viewer.state.readSnapshot(), before);
  assert.ok(viewer.logs.some((line) => line.code === 'GOCD_REJECTED' && line.reason === 'forbidden'));
  assert.match(await viewer.registry.metrics(), /mailsort_gocd_sync_errors_total\{reason="forbidden",service="gocd-sync"\} 1/);
});

test('garbage, a 500 and a GoCD that is down all keep the last good snapshot', async () => {
  const server = await fake();
  const { poller, state, logs } = harness('down', settings({ url: server.url, username: 'admin', password: 'secret', timeout: '2s' }));
  assert.equal(await poller.pollOnce({ force: true }), 'updated');
  const good = await state.readSnapshot();
  server.setMode('garbage');
  assert.equal(await poller.pollOnce({ force: true }), 'failed');
  server.setMode('error');
  assert.equal(await poller.pollOnce({ force: true }), 'failed');
  await server.close();
  assert.equal(await poller.pollOnce({ force: true }), 'failed');
  assert.deepEqual(await state.readSnapshot(), good);
  assert.deepEqual(
    logs.filter((line) => line.code).map((line) => `${line.code}/${line.reason}`),
    ['GOCD_BAD_RESPONSE/invalid', 'GOCD_BAD_RESPONSE/status', 'GOCD_UNREACHABLE/unreachable'],
  );
});

test('an empty group list does not replace a snapshot that had groups (as mail2alert)', async () => {
  const server = await fake();
  const { poller, state } = harness('empty', settings({ url: server.url, username: 'admin', password: 'secret' }));
  await poller.pollOnce({ force: true });
  server.setGroups([]);
  assert.equal(await poller.pollOnce({ force: true }), 'failed');
  assert.deepEqual((await state.readSnapshot())?.groups, GROUPS);
});

test('api: legacy reads the unversioned array API; auto falls back to it on 404', async () => {
  const old = await fake({ legacyOnly: true });
  const legacy = harness('legacy', settings({ url: old.url, username: 'admin', password: 'secret', api: 'legacy' }));
  assert.equal(await legacy.poller.pollOnce(), 'updated');
  assert.deepEqual((await legacy.state.readSnapshot())?.groups, GROUPS);
  assert.equal(old.requests.at(-1)!.path, '/go/api/config/pipeline_groups');
  const auto = harness('auto', settings({ url: old.url, username: 'admin', password: 'secret' }));
  assert.equal(await auto.poller.pollOnce(), 'updated');
  assert.deepEqual(
    old.requests.slice(-2).map((r) => `${r.path} ${r.status}`),
    ['/go/api/admin/pipeline_groups 404', '/go/api/config/pipeline_groups 200'],
  );
});

test('two replicas poll GoCD once per interval between them', async () => {
  const server = await fake();
  const gocdSettings = settings({ url: server.url, username: 'admin', password: 'secret', interval: '1h' });
  const prefix = uniquePrefix('replicas');
  const a = harness('replicas', gocdSettings, prefix);
  const b = harness('replicas', gocdSettings, prefix);
  const outcomes = await Promise.all([a.poller.pollOnce(), b.poller.pollOnce(), a.poller.pollOnce(), b.poller.pollOnce()]);
  assert.deepEqual(
    outcomes.filter((outcome) => outcome !== 'skipped'),
    ['updated'],
  );
  assert.equal(server.requests.length, 1);
});

test('seeds the stage history from cctray.xml for stages not seen yet', async () => {
  const server = await fake({ cctray: { 'my-pipeline :: build': 'Success', 'ppp :: test': 'Failure', 'ppp :: test :: unit': 'Failure' } });
  const { poller, state } = harness('cctray', settings({ url: server.url, username: 'admin', password: 'secret', cctray: true }));
  // A stage the router has already seen keeps its own result.
  await state.recordStageResult('ppp/test', 'M1', 'success');
  await poller.pollOnce();
  assert.equal(await state.peekStageResult('my-pipeline/build'), 'success');
  assert.equal(await state.peekStageResult('ppp/test'), 'success');
  assert.equal(await state.peekStageResult('ppp/test/unit'), undefined);
});
