import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import nodemailer from 'nodemailer';
import { jobId } from '@mailsort/core';
import { createDeliveryHarness, rawMessage, senderConfig } from './support/deliver-jobs.js';
import { metricValue } from './support/metrics.js';
import { startService, type RunningService } from './support/processes.js';
import { queueCommand, queueProcess } from './support/queue-cli.js';
import { startScriptedSmtp } from './support/scripted-smtp.js';
import { startSystem } from './support/system.js';

async function send(port: number, to: string, subject: string): Promise<string> {
  const client = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true });
  try {
    const info = await client.sendMail({ envelope: { from: 'ci@example.com', to: [to] }, raw: rawMessage(subject) });
    return /queued as (M\w+)/.exec(info.response)![1]!;
  } finally {
    client.close();
  }
}

async function startedSender(configFile: string): Promise<{ sender: RunningService; metrics: () => Promise<string> }> {
  const sender = startService('sender', configFile, { args: ['--http-port', '0'] });
  const started = await sender.waitForLog((line) => line.msg === 'sender started', 60_000);
  return { sender, metrics: () => fetch(`http://127.0.0.1:${Number(started.httpPort)}/metrics`).then((reply) => reply.text()) };
}

test("a delivery refused 550 by the first upstream reaches the route's on_dead contact through the second, the original attached with why; a route without on_dead tells the fallback", async () => {
  const main = await startScriptedSmtp({ rcpt: (address) => (address === 'oncall@example.com' ? '550 5.7.1 not through this path' : '550 5.1.1 User unknown') });
  const backup = await startScriptedSmtp();
  const system = await startSystem({
    name: 'dead-contacts',
    upstreamPort: main.port,
    services: ['router', 'sender', 'ingest'],
    extra: {
      upstreams: [
        { name: 'main', host: '127.0.0.1', port: main.port, tls: 'none' },
        { name: 'backup', host: '127.0.0.1', port: backup.port, tls: 'none' },
      ],
      routing: {
        default_upstream: 'main',
        managers: [
          {
            name: 'team',
            kind: 'mail',
            messages_we_want: { to: 'alerts@example.com' },
            on_dead: ['mailto:oncall@example.com'],
            rules: [{ actions: ['mailto:team@example.com'], filter: { function: 'mail.in_subject', args: ['disk'] } }],
          },
        ],
      },
      delivery: { retry: ['200ms'], max_lifetime: '60s', dead_letters: { notify: { to: 'postmaster@example.com' } } },
    },
  });
  after(async () => {
    await system.stop();
    await main.close();
    await backup.close();
  });

  const routed = await send(system.smtpPort, 'alerts@example.com', 'disk full on db1');
  const [escalation] = await backup.waitForMessages(1);
  assert.deepEqual([escalation!.from, escalation!.to], ['', ['oncall@example.com']], 'from the null sender, to the route contact, through the other upstream');
  const text = escalation!.raw.toString('utf8');
  assert.match(text, /^Subject: Undelivered mail \(failed\): disk full on db1\r$/m);
  assert.match(text, /to: {12}team@example\.com via upstream main/);
  assert.match(text, /attempts: {6}1/);
  assert.match(text, /last reply: {4}550 5\.1\.1 User unknown/);
  assert.match(text, /^Content-Type: message\/rfc822\r$/m);
  assert.ok(text.includes('Subject: disk full on db1\r\nMessage-ID: <disk-full-on-db1@example.com>'), 'the original is attached');
  assert.ok(text.includes(`mailsort queue replay ${routed}`));

  // Mail no manager wants goes to the default upstream unchanged; its dead letter goes to the global fallback.
  await send(system.smtpPort, 'nobody@example.com', 'unwanted');
  const [, fallback] = await backup.waitForMessages(2);
  assert.deepEqual(fallback!.to, ['postmaster@example.com']);
  assert.ok(
    main.received.every((message) => message.from !== ''),
    'no notice went through the upstream that failed',
  );
  const listed = await queueProcess(system.configFile, 'list', '--state', 'failed');
  assert.ok(listed.out.includes(jobId('deliver', routed, 0)), 'the dead letter stays listed');
});

test('a notice that fails too is counted and logged, never noticed again; a contact over its limit is skipped; the dead letters stay listed and replayable', async () => {
  const main = await startScriptedSmtp({ rcpt: () => '550 5.1.1 User unknown' });
  const backup = await startScriptedSmtp({ rcpt: () => '554 5.7.1 relay denied' });
  const harness = await createDeliveryHarness('dead-notice-fails');
  const config = senderConfig(
    harness.prefix,
    [
      { name: 'main', host: '127.0.0.1', port: main.port, tls: 'none' },
      { name: 'backup', host: '127.0.0.1', port: backup.port, tls: 'none' },
    ],
    { dead_letters: { notify: { to: 'postmaster@example.com', from: 'mailsort@example.com', per_contact: 1 } } },
  );
  const { sender, metrics } = await startedSender(config);
  after(async () => {
    await sender.stop();
    await main.close();
    await backup.close();
    await harness.close();
  });

  const smtp = { kind: 'smtp' as const, upstream: 'main', envelope: { from: 'ci@example.com', to: ['team@example.com'] } };
  const [first] = await harness.enqueue(rawMessage('first'), [smtp]);
  assert.equal((await harness.waitFinished(first!.deliveryId)).state, 'failed');
  const notice = jobId('deliver', `n-${first!.deliveryId}`, 0);
  assert.match((await harness.waitFinished(notice)).detail, /^failed: 554 5\.7\.1/);
  await sender.waitForLog((line) => line.code === 'NOTICE_FAILED' && line.deliveryId === notice);

  const [second] = await harness.enqueue(rawMessage('second'), [smtp]);
  assert.equal((await harness.waitFinished(second!.deliveryId)).state, 'failed');
  await sender.waitForLog((line) => line.code === 'NOTICE_RATE_LIMITED' && line.deliveryId === second!.deliveryId);

  const text = await metrics();
  assert.equal(metricValue(text, 'mailsort_sender_escalations_total', { result: 'queued' }), 1);
  assert.equal(metricValue(text, 'mailsort_sender_escalations_total', { result: 'failed' }), 1);
  assert.equal(metricValue(text, 'mailsort_sender_escalations_total', { result: 'rate_limited' }), 1);
  assert.equal(metricValue(text, 'mailsort_sender_escalations_total', { result: 'delivered' }), 0);
  assert.equal(backup.mailFroms, 1, 'the failed notice was not noticed again (its from is not the null sender)');
  assert.equal(main.received.length, 0, 'nothing got through the failing upstream');

  const listed = (await queueProcess(config, 'list', '--state', 'failed')).out;
  for (const deliveryId of [first!.deliveryId, second!.deliveryId, notice]) assert.ok(listed.includes(deliveryId), `${deliveryId} is listed:\n${listed}`);
  const replayed = await queueCommand(config, 'replay', first!.id);
  assert.equal(replayed.code, 0, replayed.err);
});
