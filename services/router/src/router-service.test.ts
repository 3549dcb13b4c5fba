import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createMessageLifecycle, createMessageStore, createQueue, jobId, newMessageId, QUEUES, type DeliverJob, type Envelope, type RouteJob } from '@mailsort/core';
import { startInProcess, type InProcess } from '../../../test/support/in-process.js';
import { testRedis } from '../../../test/support/redis.js';
import { waitUntil } from '../../../test/support/wait.js';
import { createRouterService } from './router-service.js';

function routerConfig(cronRecipient: string) {
  return {
    upstreams: [
      { name: 'default', host: '127.0.0.1', port: 9, tls: 'none' },
      { name: 'smarthost', host: '127.0.0.1', port: 9, tls: 'none' },
    ],
    routing: {
      default_upstream: 'smarthost',
      managers: [
        {
          name: 'cron',
          kind: 'mail',
          messages_we_want: { from: 'root@db1.example.com' },
          rules: [
            { actions: [`mailto:${cronRecipient}`], filter: { function: 'mail.in_subject', args: ['failed'] } },
            { actions: [], filter: { function: 'mail.in_subject', args: ['noise'] } },
          ],
        },
      ],
    },
  };
}

const redis = testRedis();
let router: InProcess;
let routeQueue: ReturnType<typeof createQueue>;
let deliverQueue: ReturnType<typeof createQueue>;
let lifecycle: ReturnType<typeof createMessageLifecycle>;

before(async () => {
  router = await startInProcess('router-service', createRouterService, routerConfig('ops@example.com'));
  routeQueue = createQueue(QUEUES.route, redis, router.prefix);
  deliverQueue = createQueue(QUEUES.deliver, redis, router.prefix);
  lifecycle = createMessageLifecycle(redis, { prefix: router.prefix, messageTtlMs: 60_000, traceTtlMs: 60_000 });
});

after(async () => {
  await Promise.all([routeQueue.close(), deliverQueue.close()]);
  await router.cleanUp();
  redis.disconnect();
});

/** Stores a message and adds its route job the way ingest does. */
async function accept(envelope: Envelope, subject: string): Promise<string> {
  const id = newMessageId();
  const headers = `From: ${envelope.from}\r\nTo: ${envelope.to.join(', ')}\r\nSubject: ${subject}\r\n\r\n`;
  await lifecycle.accept(id, Buffer.from(`${headers}body\r\n`, 'latin1'));
  const job: RouteJob = { v: 1, id, envelope, acceptedAt: Date.now(), size: headers.length + 6, client: { address: '127.0.0.1', tls: false }, headers };
  await routeQueue.add('message', job, { jobId: jobId('route', id) });
  return id;
}

async function deliveryOf(id: string): Promise<DeliverJob> {
  const deliveryId = jobId('deliver', id, 0);
  await waitUntil(async () => (await deliverQueue.getJob(deliveryId)) !== undefined, 10_000, `deliver job ${deliveryId}`, 10);
  return (await deliverQueue.getJob(deliveryId))!.data as DeliverJob;
}

test('a mail no manager wants passes unchanged to the default upstream', async () => {
  const envelope = { from: 'app@example.com', to: ['team@example.com'] };
  const id = await accept(envelope, 'hello');
  const delivery = await deliveryOf(id);
  assert.deepEqual(delivery.destination, { kind: 'smtp', upstream: 'smarthost', envelope });
  assert.deepEqual(delivery.original, envelope);
  assert.equal(await router.metric('mailsort_router_messages_total', { action: 'passthrough' }), 1);
});

test('a mail a manager claims goes to the recipients of the rule that matched', async () => {
  const id = await accept({ from: 'root@db1.example.com', to: ['root@example.com'] }, 'backup failed');
  const delivery = await deliveryOf(id);
  assert.equal(delivery.destination.kind, 'smtp');
  assert.deepEqual(delivery.destination.kind === 'smtp' && delivery.destination.envelope.to, ['ops@example.com']);
  assert.equal(await router.metric('mailsort_router_messages_total', { action: 'deliver' }), 1);
});

for (const { subject, dropReason } of [
  { subject: 'backup done', dropReason: 'no_rule_matched' },
  { subject: 'noise from cron', dropReason: 'no_actions' },
]) {
  test(`a claimed mail dropped by its rules (${dropReason}) gets no delivery, is deleted and counted`, async () => {
    const id = await accept({ from: 'root@db1.example.com', to: ['root@example.com'] }, subject);
    const line = await router.waitForLog((entry) => entry.id === id && entry.msg === 'message dropped', `drop of ${id}`);
    assert.equal(line.dropReason, dropReason);
    assert.equal(line.manager, 'cron');
    assert.equal(await deliverQueue.getJob(jobId('deliver', id, 0)), undefined, 'no deliver job');
    assert.equal(await createMessageStore(redis, router.prefix).exists(id), false, 'the stored message is deleted');
    assert.equal(await router.metric('mailsort_messages_finished_total', { outcome: 'dropped', reason: dropReason }), 1);
  });
}

test('reload() swaps the routing for the next message', async () => {
  await router.service.reload!(router.configWith(routerConfig('dba@example.com')));
  const id = await accept({ from: 'root@db1.example.com', to: ['root@example.com'] }, 'vacuum failed');
  const delivery = await deliveryOf(id);
  assert.deepEqual(delivery.destination.kind === 'smtp' && delivery.destination.envelope.to, ['dba@example.com']);
});
