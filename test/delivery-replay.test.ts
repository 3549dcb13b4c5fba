import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, test } from 'node:test';
import nodemailer from 'nodemailer';
import { createTraceStore, jobId } from '@mailsort/core';
import { createDeliveryHarness, rawMessage } from './support/deliver-jobs.js';
import { queueCommand } from './support/queue-cli.js';
import { startScriptedSmtp } from './support/scripted-smtp.js';
import { startSystem } from './support/system.js';

async function sendToIngest(port: number, subject: string): Promise<string> {
  const client = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true });
  try {
    const info = await client.sendMail({ envelope: { from: 'ci@example.com', to: ['team@example.com'] }, raw: rawMessage(subject) });
    return /queued as (M\w+)/.exec(info.response)![1]!;
  } finally {
    client.close();
  }
}

test('through the whole pipeline: a failed message is replayed through the router, and a paused queue holds mail while ingest accepts', async () => {
  let refuse = true;
  const upstream = await startScriptedSmtp({ rcpt: () => (refuse ? '554 5.7.1 Relay access denied' : undefined) });
  const system = await startSystem({
    name: 'replay',
    upstreamPort: upstream.port,
    services: ['sender', 'router', 'ingest'],
    extra: { delivery: { retry: ['200ms'], max_lifetime: '60s' } },
  });
  const harness = await createDeliveryHarness('replay', system.prefix);
  after(async () => {
    await system.stop();
    await upstream.close();
    await harness.close();
  });

  const id = await sendToIngest(system.smtpPort, 'replay me');
  const deliveryId = jobId('deliver', id, 0);
  assert.equal((await harness.waitFinished(deliveryId)).state, 'failed');
  const failed = await queueCommand(system.configFile, 'list', '--state', 'failed');
  assert.match(failed.out, new RegExp(`^${deliveryId} .*554 5\\.7\\.1`, 'm'));

  refuse = false;
  harness.forget(deliveryId);
  const replayed = await queueCommand(system.configFile, 'replay', id);
  assert.equal(replayed.code, 0, replayed.err);
  assert.equal((await harness.waitFinished(deliveryId)).state, 'completed');
  const [message] = await upstream.waitForMessages(1);
  assert.deepEqual([message!.from, message!.to], ['ci@example.com', ['team@example.com']]);
  assert.ok(message!.raw.toString('latin1').includes('Subject: replay me'));
  assert.equal(await harness.store.exists(id), false);
  // Regression: the replay was traced as `service: 'sender'`; the CLI names itself and the command.
  const trace = await createTraceStore(harness.redis, system.prefix).read(id);
  assert.deepEqual(
    trace.map((e) => [e.service, e.event]),
    [
      ['router', 'routed'],
      ['sender', 'failed'],
      ['cli', 'replayed'],
      ['router', 'routed'],
      ['sender', 'delivered'],
    ],
  );
  assert.equal(trace[2]!.command, 'queue replay');

  assert.equal((await queueCommand(system.configFile, 'pause')).code, 0);
  const heldId = await sendToIngest(system.smtpPort, 'held while paused');
  const heldDelivery = jobId('deliver', heldId, 0);
  await system.service('router').waitForLog((line) => line.id === heldId && line.msg === 'message routed');
  // Nothing announces "not delivered"; give a running sender a moment in which it would have.
  await delay(1000);
  assert.equal(await (await harness.queue.getJob(heldDelivery))!.getState(), 'waiting');
  assert.equal(upstream.received.length, 1);
  const listed = await queueCommand(system.configFile, 'list', '--state', 'queued');
  assert.match(listed.out, /^delivery is PAUSED/);
  assert.match(listed.out, new RegExp(`^${heldDelivery} +queued`, 'm'));

  assert.equal((await queueCommand(system.configFile, 'resume')).code, 0);
  assert.equal((await harness.waitFinished(heldDelivery)).state, 'completed');
  assert.equal(upstream.received.length, 2);
});
