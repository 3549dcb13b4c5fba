import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createExpectationStore, createGocdState, createLogger, createMessageLifecycle, createMessageStore, createMetricsRegistry, storeKeys, type DeliverJob } from '@mailsort/core';
import { testConfig } from '../../../test/support/in-process.js';
import { metricValue } from '../../../test/support/metrics.js';
import { deletePrefix, testRedis, uniquePrefix } from '../../../test/support/redis.js';
import { createExpectations } from './expectations.js';

const redis = testRedis();
const prefixes: string[] = [];
after(async () => {
  for (const prefix of prefixes) await deletePrefix(redis, prefix);
  redis.disconnect();
});

/** One router replica's checker on a shared prefix, handing its deliveries to `enqueue`. */
function replica(prefix: string, enqueue: (deliveries: DeliverJob[]) => Promise<unknown>) {
  const config = testConfig(prefix, {
    upstreams: [{ name: 'default', host: '127.0.0.1', port: 9, tls: 'none' }],
    routing: { expect: [{ name: 'nas-backup', match: { event: { source: 'cron' } }, every: '10s', grace: '5s', per: 'host', notify: ['mailto:ops@example.com'] }] },
  });
  const registry = createMetricsRegistry('router');
  const logger = createLogger({ service: 'router', level: 'silent', destination: { write: () => undefined } });
  const lifecycle = createMessageLifecycle(redis, { prefix, messageTtlMs: 60_000, traceTtlMs: 60_000 });
  const checker = createExpectations({
    redis,
    prefix,
    lifecycle,
    store: createMessageStore(redis, prefix),
    gocd: createGocdState(redis, prefix),
    enqueue,
    registry,
    logger,
    domain: 'mailsort.test',
    routing: () => config.routing,
  });
  return { checker, metric: async (name: string, labels: Record<string, string>) => metricValue(await registry.metrics(), name, labels) };
}

test('a checker killed after making the missed alert but before moving its record: the next replica makes nothing new, hands on the same delivery, and counts the outage once', async () => {
  const prefix = uniquePrefix('expect-checker');
  prefixes.push(prefix);
  const handed: DeliverJob[] = [];
  const a = replica(prefix, async () => {
    throw new Error('killed here');
  });
  const b = replica(prefix, async (deliveries) => handed.push(...deliveries));
  const lastMail = Date.now() - 20_000;
  await createExpectationStore(redis, prefix).ping({ expectation: 'nas-backup', instance: 'nas3', kind: 'success' }, lastMail);

  await assert.rejects(a.checker.tick(), /killed here/);
  await redis.del(storeKeys(prefix).expectCheckLock());
  await b.checker.tick();
  assert.equal(handed.length, 1, 'the alert made by the dead replica is handed on');
  const [delivery] = handed;
  assert.equal(delivery!.destination.kind, 'smtp');
  const { rewrites } = delivery!.destination as { rewrites: { set: Record<string, string> } };
  assert.match(rewrites.set['Message-ID']!, /@mailsort\.test>$/);
  assert.equal(rewrites.set['In-Reply-To'], undefined, 'the root of the outage thread');
  assert.equal(await b.metric('mailsort_expectations_missed_total', { expectation: 'nas-backup', state: 'missing' }), 1);
  assert.equal(await b.metric('mailsort_expectation_hosts', { expectation: 'nas-backup', state: 'missing' }), 1);
  assert.equal(await b.metric('mailsort_expectation_last_seen_timestamp_seconds', { expectation: 'nas-backup' }), Math.floor(lastMail) / 1000);

  // Later passes, by either replica, send nothing more while it stays missing (no nag).
  for (const checker of [a.checker, b.checker, b.checker]) {
    await redis.del(storeKeys(prefix).expectCheckLock());
    await checker.tick();
  }
  assert.equal(handed.length, 1);
  assert.equal(await a.metric('mailsort_expectations_missed_total', { expectation: 'nas-backup', state: 'missing' }), 0, 'the replica that died before the swap counted nothing');

  // The host mails again: the next pass says so, in the same thread.
  await createExpectationStore(redis, prefix).ping({ expectation: 'nas-backup', instance: 'nas3', kind: 'success' }, Date.now());
  await redis.del(storeKeys(prefix).expectCheckLock());
  await b.checker.tick();
  assert.equal(handed.length, 2);
  const back = (handed[1]!.destination as { rewrites: { set: Record<string, string> } }).rewrites.set;
  assert.equal(back['In-Reply-To'], rewrites.set['Message-ID']);
  assert.equal(back.Subject, `Re: ${rewrites.set.Subject}`);
});

test('only the replica holding the check lock acts in an interval; the others only export the gauges', async () => {
  const prefix = uniquePrefix('expect-lock');
  prefixes.push(prefix);
  const handed: string[] = [];
  const replicas = ['a', 'b', 'c'].map((name) => replica(prefix, async (deliveries) => handed.push(...deliveries.map((d) => `${name}:${d.id}`))));
  await createExpectationStore(redis, prefix).ping({ expectation: 'nas-backup', instance: 'nas1', kind: 'success' }, Date.now() - 60_000);
  await Promise.all(replicas.map((r) => r.checker.tick()));
  assert.equal(handed.length, 1, handed.join(', '));
  for (const r of replicas) assert.equal(await r.metric('mailsort_expectation_hosts', { expectation: 'nas-backup', state: 'missing' }), 1);
});
