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

test('when the first upstream is down the delivery goes through its fallback', async () => {
  const down = await startScriptedSmtp();
  const downPort = down.port;
  await down.close();
  const backup = await startScriptedSmtp();
  const harness = await createDeliveryHarness('failover');
  const sender = await startServiceReady('sender', senderConfig(harness.prefix, [
    { name: 'primary', host: '127.0.0.1', port: downPort, tls: 'none', fallback: ['backup'] },
    { name: 'backup', host: '127.0.0.1', port: backup.port, tls: 'none' },
  ]), { args: ['--http-port', '0'] });
  after(async () => {
    await sender.stop();
    await backup.close();
    await harness.close();
  });

  const [job] = await harness.enqueue(rawMessage('failover'), [{ kind: 'smtp', upstream: 'primary', envelope: { from: 'ci@example.com', to: ['team@example.com'] } }]);
  assert.equal((await harness.waitFinished(job!.deliveryId)).state, 'completed');
  assert.equal(backup.received.length, 1);
  const delivered = await sender.waitForLog((line) => line.msg === 'delivered' && line.deliveryId === job!.deliveryId);
  assert.equal(delivered.upstream, 'backup');
  assert.ok(sender.logs.some((line) => line.msg === 'upstream failed; trying the next one' && line.upstream === 'primary'));
});
