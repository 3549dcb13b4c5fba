import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createCanaryMetrics, createCanaryStore, createLogger, createMetricsRegistry } from '@mailsort/core';
import { deletePrefix, testRedis, uniquePrefix } from '../../../test/support/redis.js';
import type { CanaryTarget } from './canary-client.js';
import { createCanaryProber } from './canary-prober.js';

const redis = testRedis();
const prefix = uniquePrefix('canary-prober');
const EVERY = 400;
const target: CanaryTarget = { every: EVERY, probeTtl: 60_000, from: 'canary@mailsort.test', to: 'canary@probe.test', upstream: 'default', transport: {} };

after(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

test('two replicas send one probe per interval between them, and both report the last result', async () => {
  const store = createCanaryStore(redis, prefix);
  const sent: Array<{ id: string; at: number }> = [];
  let wake: () => void = () => {};
  const three = new Promise<void>((resolve) => (wake = () => sent.length >= 3 && resolve()));
  // The fake ingest + sender: the probe is delivered at once.
  const send = async (_target: CanaryTarget, id: string) => {
    sent.push({ id, at: Date.now() });
    await store.complete(id, { result: 'delivered', reply: '250 2.0.0 Ok', at: Date.now(), acceptedAt: Date.now() }, 60_000);
    wake();
    return '250 2.0.0 Ok: queued';
  };
  const replicas = [createMetricsRegistry('sender'), createMetricsRegistry('sender')].map((registry) => {
    const blocking = testRedis();
    const metrics = createCanaryMetrics(registry);
    const prober = createCanaryProber(target, { store, blocking, metrics, logger: createLogger({ service: 'sender', level: 'silent' }), send });
    return { registry, blocking, prober };
  });
  const started = Date.now();
  for (const replica of replicas) replica.prober.start();
  await three;
  const elapsed = sent[2]!.at - started;
  for (const replica of replicas) await replica.prober.stop();
  for (const replica of replicas) replica.blocking.disconnect();
  // With the lock, the third probe is two turns (0.9 × every each) away; without it both replicas would have sent in the first.
  assert.ok(elapsed >= 2 * 0.9 * EVERY - 50, `the third probe came ${elapsed} ms after the start`);
  assert.equal(new Set(sent.map((probe) => probe.id)).size, sent.length, 'every probe has its own id');
  for (const { registry } of replicas) {
    assert.match(await registry.metrics(), /^mailsort_canary_success\{upstream="default"[^}]*\} 1$/m);
  }
});
