import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createDeliveryHarness, rawMessage, senderConfig } from './support/deliver-jobs.js';
import { startServiceReady } from './support/processes.js';
import { queueCommand, queueProcess } from './support/queue-cli.js';
import { startScriptedSmtp } from './support/scripted-smtp.js';

test('a 550 fails at once, shows in `mailsort queue list --state failed`, notifies the fallback address, and a retry after the fix delivers it', async () => {
  let refuse = true;
  const upstream = await startScriptedSmtp({ rcpt: (address) => (refuse && address === 'team@example.com' ? '550 5.1.1 <team@example.com>: Recipient address rejected: User unknown' : undefined) });
  const harness = await createDeliveryHarness('dead-550');
  const config = senderConfig(harness.prefix, [{ name: 'main', host: '127.0.0.1', port: upstream.port, tls: 'none' }], {
    dead_letters: { notify: { to: 'postmaster@example.com' } },
  });
  const sender = await startServiceReady('sender', config, { args: ['--http-port', '0'] });
  after(async () => {
    await sender.stop();
    await upstream.close();
    await harness.close();
  });

  const [job] = await harness.enqueue(rawMessage('refused'), [{ kind: 'smtp', upstream: 'main', envelope: { from: 'ci@example.com', to: ['team@example.com'] } }]);
  const finished = await harness.waitFinished(job!.deliveryId);
  assert.equal(finished.state, 'failed');
  assert.match(finished.detail, /^failed: 550 5\.1\.1 /);

  const listed = await queueProcess(config, 'list', '--state', 'failed');
  assert.equal(listed.code, 0, listed.err);
  const row = listed.out.split('\n').find((line) => line.startsWith(job!.deliveryId));
  assert.ok(row, `the dead letter is listed:\n${listed.out}`);
  assert.match(row, /\bfailed\b.*\b1\b.*main: team@example\.com.*550 5\.1\.1/);

  const shown = JSON.parse((await queueCommand(config, 'show', job!.deliveryId)).out) as Record<string, unknown>;
  assert.deepEqual(shown.original, { from: 'ci@example.com', to: ['team@example.com'] });
  assert.equal(shown.attempts, 1);
  assert.equal(shown.lastUpstream, 'main');
  assert.match(String(shown.lastReply), /^550 5\.1\.1 /);
  assert.ok(shown.storedMessage, 'a dead letter keeps its message for retry and replay');

  const [notice] = await upstream.waitForMessages(1);
  assert.equal(upstream.mailFroms, 2, 'one attempt for the message, one for the notice: no retry of a 5xx');
  assert.deepEqual([notice!.from, notice!.to], ['', ['postmaster@example.com']], 'the notice comes from the null sender');
  const noticeText = notice!.raw.toString('utf8');
  assert.match(noticeText, /^Subject: Undelivered mail \(failed\): refused\r$/m);
  assert.ok(noticeText.includes(`mailsort queue retry ${job!.deliveryId}`));

  refuse = false;
  const retried = await queueCommand(config, 'retry', job!.deliveryId);
  assert.equal(retried.code, 0, retried.err);
  harness.forget(job!.deliveryId);
  assert.equal((await harness.waitFinished(job!.deliveryId)).state, 'completed');
  const delivered = await upstream.waitForMessages(2);
  assert.deepEqual(delivered[1]!.to, ['team@example.com']);
  assert.equal(await harness.store.exists(job!.id), false, 'the message is deleted once its delivery is done');
  assert.equal((await queueCommand(config, 'list', '--state', 'failed')).out.trim(), 'no failed deliveries');
});

test('with one recipient refused 5xx the others get the message once; the refusal is recorded and a retry goes only to it', async () => {
  let refuse = true;
  const upstream = await startScriptedSmtp({ rcpt: (address) => (refuse && address === 'gone@example.com' ? '550 5.1.1 no such user' : undefined) });
  const harness = await createDeliveryHarness('partial');
  const config = senderConfig(harness.prefix, [{ name: 'main', host: '127.0.0.1', port: upstream.port, tls: 'none' }]);
  const sender = await startServiceReady('sender', config, { args: ['--http-port', '0'] });
  after(async () => {
    await sender.stop();
    await upstream.close();
    await harness.close();
  });

  const to = ['a@example.com', 'gone@example.com', 'b@example.com'];
  const [job] = await harness.enqueue(rawMessage('partial'), [{ kind: 'smtp', upstream: 'main', envelope: { from: 'ci@example.com', to } }]);
  const finished = await harness.waitFinished(job!.deliveryId);
  assert.equal(finished.state, 'failed');
  assert.match(finished.detail, /^partial: 550 5\.1\.1 no such user/);
  assert.deepEqual(
    upstream.received.map((m) => m.to),
    [['a@example.com', 'b@example.com']],
  );

  const shown = JSON.parse((await queueCommand(config, 'show', job!.id)).out) as { recipients: Record<string, { status: string; reply: string }>; result: string };
  assert.equal(shown.result, 'partial');
  assert.deepEqual(Object.fromEntries(Object.entries(shown.recipients).map(([address, outcome]) => [address, outcome.status])), {
    'a@example.com': 'accepted',
    'gone@example.com': 'rejected',
    'b@example.com': 'accepted',
  });
  assert.match((await queueCommand(config, 'list', '--state', 'failed')).out, /failed\(partial\)/);

  refuse = false;
  assert.equal((await queueCommand(config, 'retry', job!.id)).code, 0);
  harness.forget(job!.deliveryId);
  assert.equal((await harness.waitFinished(job!.deliveryId)).state, 'completed');
  assert.deepEqual(
    upstream.received.map((m) => m.to),
    [['a@example.com', 'b@example.com'], ['gone@example.com']],
    'nobody got it twice',
  );
});

test('a delivery that keeps getting 4xx fails as expired after max_lifetime and can be deleted', async () => {
  const upstream = await startScriptedSmtp({ data: Array.from({ length: 100 }, () => '452 4.3.1 Insufficient system storage' as const) });
  const harness = await createDeliveryHarness('expired');
  const config = senderConfig(harness.prefix, [{ name: 'main', host: '127.0.0.1', port: upstream.port, tls: 'none' }], { retry: ['100ms'], max_lifetime: '1s' });
  const sender = await startServiceReady('sender', config, { args: ['--http-port', '0'] });
  after(async () => {
    await sender.stop();
    await upstream.close();
    await harness.close();
  });

  const [job] = await harness.enqueue(rawMessage('expires'), [{ kind: 'smtp', upstream: 'main', envelope: { from: 'ci@example.com', to: ['team@example.com'] } }]);
  const finished = await harness.waitFinished(job!.deliveryId);
  assert.equal(finished.state, 'failed');
  assert.match(finished.detail, /^expired: 452 4\.3\.1 /);
  assert.ok(upstream.transactions >= 2, `retried before expiring (${upstream.transactions} attempts)`);
  const failedLine = await sender.waitForLog((line) => line.deliveryId === job!.deliveryId && line.code === 'DELIVERY_EXPIRED');
  assert.equal(failedLine.result, 'expired');
  assert.match((await queueCommand(config, 'list', '--state', 'failed')).out, /failed\(expired\)/);

  const deleted = await queueCommand(config, 'delete', job!.deliveryId);
  assert.equal(deleted.code, 0, deleted.err);
  assert.match(deleted.out, /deleted \(message M\w+ deleted too\)/);
  assert.equal(await harness.store.exists(job!.id), false);
  const again = await queueCommand(config, 'delete', job!.deliveryId);
  assert.equal(again.code, 1);
  assert.match(again.err, /^QUEUE_ENTRY_UNKNOWN: /);
});
