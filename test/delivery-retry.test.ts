import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createDeliveryHarness, rawMessage, senderConfig } from './support/deliver-jobs.js';
import { startServiceReady } from './support/processes.js';
import { startScriptedSmtp } from './support/scripted-smtp.js';

test('a 451 then success is delivered exactly once, byte for byte', async () => {
  const upstream = await startScriptedSmtp({ data: ['451 4.3.0 Temporary local problem, try later'] });
  const harness = await createDeliveryHarness('retry-451');
  const sender = await startServiceReady('sender', senderConfig(harness.prefix, [{ name: 'main', host: '127.0.0.1', port: upstream.port, tls: 'none' }]), { args: ['--http-port', '0'] });
  after(async () => {
    await sender.stop();
    await upstream.close();
    await harness.close();
  });

  const raw = rawMessage('retry once');
  const [job] = await harness.enqueue(raw, [{ kind: 'smtp', upstream: 'main', envelope: { from: 'ci@example.com', to: ['team@example.com'] } }]);
  assert.equal((await harness.waitFinished(job!.deliveryId)).state, 'completed');
  assert.equal(upstream.transactions, 2, 'one refused transaction, one accepted');
  assert.equal(upstream.received.length, 1, 'delivered exactly once');
  assert.deepEqual(upstream.received[0]!.raw, raw);
  assert.equal(await harness.store.exists(job!.id), false, 'the stored message is deleted once its delivery ends');
  const deferred = sender.logs.find((line) => line.msg === 'delivery deferred' && line.deliveryId === job!.deliveryId);
  assert.equal(deferred?.code, 'DELIVERY_TEMPORARY');
  assert.match(String(deferred?.reply), /^451 4\.3\.0 /);
});

async function scrape(port: unknown): Promise<string> {
  return (await fetch(`http://127.0.0.1:${String(port)}/metrics`)).text();
}

function sample(metrics: string, name: string, labels: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name}{`) && labels.split(',').every((label) => l.includes(label)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('when the first upstream is down deliveries go through its fallback, and after repeated failures it is paused (breaker)', async () => {
  const down = await startScriptedSmtp();
  const downPort = down.port;
  await down.close();
  const backup = await startScriptedSmtp();
  const harness = await createDeliveryHarness('failover');
  const sender = await startServiceReady(
    'sender',
    senderConfig(
      harness.prefix,
      [
        { name: 'primary', host: '127.0.0.1', port: downPort, tls: 'none', fallback: ['backup'] },
        { name: 'backup', host: '127.0.0.1', port: backup.port, tls: 'none' },
      ],
      { breaker: { failures: 2, open_for: '1h' } },
    ),
    { args: ['--http-port', '0'] },
  );
  after(async () => {
    await sender.stop();
    await backup.close();
    await harness.close();
  });
  const started = await sender.waitForLog((line) => line.msg === 'sender started');

  for (let i = 0; i < 3; i++) {
    const [job] = await harness.enqueue(rawMessage(`failover ${i}`), [{ kind: 'smtp', upstream: 'primary', envelope: { from: 'ci@example.com', to: ['team@example.com'] } }]);
    assert.equal((await harness.waitFinished(job!.deliveryId)).state, 'completed');
    const delivered = await sender.waitForLog((line) => line.msg === 'delivered' && line.deliveryId === job!.deliveryId);
    assert.equal(delivered.upstream, 'backup');
  }
  assert.equal(backup.received.length, 3);
  assert.ok(sender.logs.some((line) => line.msg === 'upstream failed; trying the next one' && line.upstream === 'primary'));
  assert.ok(sender.logs.some((line) => line.msg === 'upstream paused after repeated failures' && line.upstream === 'primary'));

  const metrics = await scrape(started.httpPort);
  assert.equal(sample(metrics, 'mailsort_sender_attempts_total', 'upstream="primary",outcome="connection"'), 2, 'the third delivery skipped the paused upstream');
  assert.equal(sample(metrics, 'mailsort_sender_upstream_breaker_open', 'upstream="primary"'), 1);
  assert.equal(sample(metrics, 'mailsort_sender_upstream_breaker_open', 'upstream="backup"'), 0);
  assert.equal(sample(metrics, 'mailsort_sender_deliveries_total', 'result="delivered",upstream="backup"'), 3);
  assert.equal(sample(metrics, 'mailsort_sender_delivery_duration_seconds_count', 'upstream="backup"'), 3);
  assert.equal(sample(metrics, 'mailsort_accept_to_delivered_seconds_count', ''), 3);
  assert.equal(sample(metrics, 'mailsort_sender_pool_connections', 'upstream="backup"'), 1, 'one pooled connection carried all three');
});
