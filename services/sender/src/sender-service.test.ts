import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Destination } from '@mailsort/core';
import { createDeliveryHarness, rawMessage } from '../../../test/support/deliver-jobs.js';
import { startInProcess, type InProcess } from '../../../test/support/in-process.js';
import { startScriptedSmtp, type ScriptedSmtp } from '../../../test/support/scripted-smtp.js';
import { uniquePrefix } from '../../../test/support/redis.js';
import { waitUntil } from '../../../test/support/wait.js';
import { createSenderService } from './sender-service.js';

let sink: ScriptedSmtp;
let flaky: ScriptedSmtp;
let sender: InProcess;
let harness: Awaited<ReturnType<typeof createDeliveryHarness>>;

before(async () => {
  sink = await startScriptedSmtp();
  flaky = await startScriptedSmtp({ data: () => '451 4.3.0 Try again later' });
  const prefix = uniquePrefix('sender-service');
  sender = await startInProcess(
    'sender-service',
    createSenderService,
    {
      upstreams: [
        { name: 'default', host: '127.0.0.1', port: sink.port, tls: 'none' },
        { name: 'flaky', host: '127.0.0.1', port: flaky.port, tls: 'none' },
      ],
      routing: { default_upstream: 'default' },
      // A retry far beyond the test: a deferred delivery stays delayed while it is looked at.
      delivery: { retry: ['10m'], max_lifetime: '1h' },
    },
    { prefix },
  );
  harness = await createDeliveryHarness('sender-service', prefix);
});

after(async () => {
  await sender.stop();
  await harness.close();
  await Promise.all([sink.close(), flaky.close()]);
});

function smtpTo(upstream: string, to: string[]): Destination {
  return { kind: 'smtp', upstream, envelope: { from: 'ci@example.com', to } };
}

async function delayed(deliveryId: string): Promise<void> {
  await waitUntil(async () => (await harness.queue.getJobState(deliveryId)) === 'delayed', 10_000, `delayed job ${deliveryId}`, 10);
}

test('a delivery the upstream accepts completes, reaches it with its envelope, and finishes the message', async () => {
  const [delivery] = await harness.enqueue(rawMessage('delivered'), [smtpTo('default', ['ops@example.com'])]);
  const finished = await harness.waitFinished(delivery!.deliveryId);
  assert.equal(finished.state, 'completed');
  assert.match(finished.detail, /^250 /);
  const [received] = await sink.waitForMessages(1);
  assert.deepEqual([received!.from, received!.to], ['ci@example.com', ['ops@example.com']]);
  assert.match(received!.raw.toString('latin1'), /Subject: delivered\r\n/);
  assert.equal(await harness.store.exists(delivery!.id), false, 'the stored message is deleted once delivered');
  assert.equal(await sender.metric('mailsort_sender_deliveries_total', { result: 'delivered', upstream: 'default' }), 1);
  assert.equal(await sender.metric('mailsort_messages_finished_total', { outcome: 'delivered' }), 1);
});

test('a 4xx from the upstream makes the job delayed for a retry, with the message kept', async () => {
  const [delivery] = await harness.enqueue(rawMessage('deferred'), [smtpTo('flaky', ['ops@example.com'])]);
  await delayed(delivery!.deliveryId);
  const line = await sender.waitForLog((entry) => entry.deliveryId === delivery!.deliveryId && entry.msg === 'delivery deferred', 'the deferral');
  assert.equal(line.code, 'DELIVERY_TEMPORARY');
  assert.match(String(line.reply), /451 4\.3\.0 Try again later/);
  assert.equal(flaky.transactions, 1);
  assert.equal(await harness.store.exists(delivery!.id), true, 'the message waits for the retry');
  assert.equal(await sender.metric('mailsort_sender_deliveries_total', { result: 'deferred', upstream: 'flaky' }), 1);
});

test('a delivery naming an upstream that is not configured is deferred with UPSTREAM_UNKNOWN, never sent elsewhere', async () => {
  const before = { sink: sink.transactions, flaky: flaky.transactions };
  const [delivery] = await harness.enqueue(rawMessage('unknown upstream'), [smtpTo('nowhere', ['ops@example.com'])]);
  await delayed(delivery!.deliveryId);
  const line = await sender.waitForLog((entry) => entry.deliveryId === delivery!.deliveryId && entry.msg === 'delivery deferred', 'the deferral');
  assert.equal(line.code, 'UPSTREAM_UNKNOWN');
  assert.equal(line.upstream, 'nowhere');
  assert.deepEqual({ sink: sink.transactions, flaky: flaky.transactions }, before);
  assert.equal(await harness.store.exists(delivery!.id), true);
});
