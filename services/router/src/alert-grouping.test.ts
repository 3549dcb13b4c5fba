import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createMessageLifecycle, createMessageStore, createQueue, jobId, newMessageId, QUEUES, storeKeys, type DeliverJob, type Envelope, type RouteJob } from '@mailsort/core';
import { startInProcess, type InProcess } from '../../../test/support/in-process.js';
import { testRedis, uniquePrefix } from '../../../test/support/redis.js';
import { waitUntil } from '../../../test/support/wait.js';
import { createRouterService } from './router-service.js';

// Two routers on one prefix: replicas sharing the groups.
const config = {
  upstreams: [{ name: 'default', host: '127.0.0.1', port: 9, tls: 'none' }],
  ingest: { hostname: 'relay.example.com' },
  routing: {
    managers: [
      {
        name: 'ops',
        kind: 'mail',
        messages_we_want: { to: 'alerts@example.com' },
        rules: [{ name: 'all', filter: { event: { status: ['firing', 'resolved'] } }, actions: ['mailto:ops@example.com'], grouping: { group_by: [], group_wait: '4s', group_interval: '4s' } }],
      },
    ],
  },
};
const redis = testRedis();
const prefix = uniquePrefix('alert-grouping');
let routers: InProcess[] = [];
let routeQueue: ReturnType<typeof createQueue>;
let deliverQueue: ReturnType<typeof createQueue>;
let lifecycle: ReturnType<typeof createMessageLifecycle>;

before(async () => {
  routers = [await startInProcess('router-a', createRouterService, config, { prefix }), await startInProcess('router-b', createRouterService, config, { prefix })];
  routeQueue = createQueue(QUEUES.route, redis, prefix);
  deliverQueue = createQueue(QUEUES.deliver, redis, prefix);
  lifecycle = createMessageLifecycle(redis, { prefix, messageTtlMs: 60_000, traceTtlMs: 60_000 });
});

after(async () => {
  await Promise.all([routeQueue.close(), deliverQueue.close()]);
  for (const router of routers) await router.cleanUp();
  redis.disconnect();
});

async function accept(envelope: Envelope, subject: string): Promise<string> {
  const id = newMessageId();
  const headers = `From: ${envelope.from}\r\nTo: ${envelope.to.join(', ')}\r\nSubject: ${subject}\r\nMessage-ID: <${id}@sender.example>\r\n\r\n`;
  await lifecycle.accept(id, Buffer.from(`${headers}body\r\n`, 'latin1'));
  const job: RouteJob = { v: 1, id, envelope, acceptedAt: Date.now(), size: headers.length + 6, client: { address: '127.0.0.1', tls: false }, headers };
  await routeQueue.add('message', job, { jobId: jobId('route', id) });
  return id;
}

async function notificationDeliveries(): Promise<DeliverJob[]> {
  const jobs = await deliverQueue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
  return jobs.map((job) => job.data as DeliverJob).filter((data) => data.id.startsWith('g'));
}

const id0 = (ids: string[]) => ids[0]!;
const sum = async (name: string, labels: Record<string, string> = {}) => (await Promise.all(routers.map((router) => router.metric(name, labels)))).reduce((a, b) => a + b, 0);

test('30 mails of 3 alerts across two routers: one summary, every original folded once, unclaimed recipients sent at once', async () => {
  const envelope = { from: 'nagios@mon.example.com', to: ['alerts@example.com', 'archive@example.com'] };
  const subjects = ['PROBLEM: disk on db1 is CRITICAL', 'PROBLEM: load on web1 is CRITICAL', 'PROBLEM: ntp on app1 is CRITICAL'];
  const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => accept(envelope, subjects[i % 3]!)));
  await waitUntil(async () => (await notificationDeliveries()).length >= 1, 15_000, 'a notification', 50);
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const notifications = await notificationDeliveries();
  assert.equal(notifications.length, 1, 'one summary for the group, made once by one of the two routers');
  const [summary] = notifications;
  assert.equal(summary!.destination.kind, 'smtp');
  if (summary!.destination.kind === 'smtp') {
    assert.deepEqual(summary!.destination.envelope.to, ['ops@example.com']);
    assert.match(summary!.destination.rewrites?.set['Message-ID'] ?? '', /^<[0-9a-f]{32}@relay\.example\.com>$/);
    assert.match(summary!.destination.rewrites?.set['X-Mailsort-Alert'] ?? '', /^firing; alerts=3; mails=30$/);
    // regression (attack review): sent from mailsort, never from whichever mail of the group came last.
    assert.equal(summary!.destination.envelope.from, 'mailsort@relay.example.com');
    assert.equal(summary!.destination.rewrites?.set.From, 'mailsort@relay.example.com');
    assert.deepEqual(summary!.original, { from: 'mailsort@relay.example.com', to: ['ops@example.com'] });
  }
  const raw = (await createMessageStore(redis, prefix).get(summary!.id))!.toString('latin1');
  assert.match(raw, /Subject: \[FIRING:3\] ops\/all/);
  assert.equal((raw.match(/Content-Type: message\/rfc822/g) ?? []).length, 3);

  // The unclaimed recipient got each mail at once (delivery 0); the grouping part of each ended folded, once.
  for (const id of ids) assert.ok(await deliverQueue.getJob(jobId('deliver', id, 0)), `immediate delivery of ${id}`);
  const keys = storeKeys(prefix);
  for (const id of ids) assert.equal(await redis.sismember(keys.finished(id), jobId('deliver', id, 'group')), 1, `grouping part of ${id} finished`);
  assert.equal(await redis.get(keys.pending(id0(ids))), '1', 'only the unclaimed delivery is left of each');
  // Held, or folded at once when a router saw a later mail of the alert first (the two race): 30 either way, all counted in the summary.
  const held = await sum('mailsort_router_alert_grouped_total', { outcome: 'held' });
  assert.equal(held + (await sum('mailsort_router_alert_grouped_total', { outcome: 'folded' })), 30);
  assert.equal(await sum('mailsort_router_notifications_created_total', { kind: 'summary' }), 1);
  assert.equal(await sum('mailsort_router_alert_flushes_total'), 1);
});

test('routing.composed_from: a summary goes from the configured address (a smarthost that relays only for known senders), envelope and From alike', async () => {
  const own = uniquePrefix('alert-grouping-from');
  const configured = { ...config, routing: { ...config.routing, composed_from: 'alerts-noreply@corp.example' } };
  const router = await startInProcess('router-from', createRouterService, configured, { prefix: own });
  const routes = createQueue(QUEUES.route, redis, own);
  const deliveries = createQueue(QUEUES.deliver, redis, own);
  const ownLifecycle = createMessageLifecycle(redis, { prefix: own, messageTtlMs: 60_000, traceTtlMs: 60_000 });
  try {
    const envelope = { from: 'nagios@mon.example.com', to: ['alerts@example.com'] };
    for (const subject of ['PROBLEM: disk on db1 is CRITICAL', 'PROBLEM: load on web1 is CRITICAL']) {
      const id = newMessageId();
      const headers = `From: ${envelope.from}\r\nTo: alerts@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${id}@sender.example>\r\n\r\n`;
      await ownLifecycle.accept(id, Buffer.from(`${headers}body\r\n`, 'latin1'));
      await routes.add('message', { v: 1, id, envelope, acceptedAt: Date.now(), size: headers.length + 6, client: { address: '127.0.0.1', tls: false }, headers } satisfies RouteJob, {
        jobId: jobId('route', id),
      });
    }
    let summary: DeliverJob | undefined;
    await waitUntil(
      async () => {
        const jobs = await deliveries.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
        summary = jobs.map((job) => job.data as DeliverJob).find((data) => data.id.startsWith('g'));
        return summary !== undefined;
      },
      15_000,
      'a summary',
      50,
    );
    assert.equal(summary!.destination.kind, 'smtp');
    if (summary!.destination.kind === 'smtp') {
      assert.equal(summary!.destination.envelope.from, 'alerts-noreply@corp.example');
      assert.equal(summary!.destination.rewrites?.set.From, 'alerts-noreply@corp.example');
    }
    assert.equal(summary!.original.from, 'alerts-noreply@corp.example');
    const raw = (await createMessageStore(redis, own).get(summary!.id))!.toString('latin1');
    assert.match(raw, /^From: alerts-noreply@corp\.example\r$/m, "the summary's own From header");
  } finally {
    await Promise.all([routes.close(), deliveries.close()]);
    await router.cleanUp();
  }
});
