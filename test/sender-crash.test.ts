import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createDeliveryHarness, rawMessage, senderConfig } from './support/deliver-jobs.js';
import { startServiceReady } from './support/processes.js';
import { startScriptedSmtp } from './support/scripted-smtp.js';

const MESSAGES = 200;

test('after a SIGKILL of the sender mid-run every message still arrives (duplicates counted)', async (t) => {
  const upstream = await startScriptedSmtp();
  const harness = await createDeliveryHarness('sigkill');
  const config = senderConfig(harness.prefix, [{ name: 'main', host: '127.0.0.1', port: upstream.port, tls: 'none' }], { stalled_after: '3s', concurrency: 10 });
  const first = await startServiceReady('sender', config, { args: ['--http-port', '0'] });
  let second: Awaited<ReturnType<typeof startServiceReady>> | undefined;
  after(async () => {
    first.child.kill('SIGKILL');
    await second?.stop();
    await upstream.close();
    await harness.close();
  });

  const jobs = [];
  for (let i = 0; i < MESSAGES; i++)
    jobs.push(...(await harness.enqueue(rawMessage(`crash ${i}`), [{ kind: 'smtp', upstream: 'main', envelope: { from: 'ci@example.com', to: ['team@example.com'] } }])));
  await upstream.waitForMessages(MESSAGES / 4, 30_000);
  first.child.kill('SIGKILL');
  await first.exited;
  const atKill = upstream.received.length;
  assert.ok(atKill < MESSAGES, `the kill must land mid-run (had ${atKill} of ${MESSAGES})`);

  second = await startServiceReady('sender', config, { args: ['--http-port', '0'] });
  await Promise.all(jobs.map((job) => harness.waitFinished(job.deliveryId, 60_000).then((result) => assert.equal(result.state, 'completed', job.deliveryId))));

  const seen = new Map<string, number>();
  for (const message of upstream.received) {
    const id = /^Message-ID: (.*)$/m.exec(message.raw.toString('latin1'))![1]!.trim();
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  const duplicates = [...seen.values()].reduce((sum, count) => sum + count - 1, 0);
  t.diagnostic(`killed after ${atKill} of ${MESSAGES} delivered; ${upstream.received.length} received in all, ${seen.size} distinct, ${duplicates} duplicate(s)`);
  assert.equal(seen.size, MESSAGES, 'every message arrived');
  assert.ok(duplicates <= 10, `duplicates are bounded by what was in flight at the kill (concurrency 10): ${duplicates}`);
  for (const job of jobs) assert.equal(await harness.store.exists(job.id), false, `message ${job.id} deleted after delivery`);
});
