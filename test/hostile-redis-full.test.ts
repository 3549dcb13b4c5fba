import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createQueue, jobId, QUEUES } from '@mailsort/core';
import { createPrivateRedis } from './support/private-redis.js';
import { testRedis } from './support/redis.js';
import { sendOnce } from './support/send-once.js';
import { startSink } from './support/sink.js';
import { startSystem } from './support/system.js';

// Redis down at accept (451 4.3.0, never 250, recovery) is pinned in redis-outage.test.ts.

const send = (port: number, subject: string) => sendOnce(port, { from: 'ci@example.com', to: 'team@example.com', subject, text: 'x'.repeat(2000) });

test('with Redis full (maxmemory, noeviction) ingest answers 452 4.3.1, never 250, keeps what it accepted, and recovers when space frees', async () => {
  const redis = await createPrivateRedis({ extraArgs: ['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction'] });
  await redis.start();
  const sink = await startSink();
  const system = await startSystem({ name: 'redis-full', upstreamPort: sink.port, services: ['ingest'], env: { REDIS_URL: redis.url } });
  const client = testRedis(redis.url);
  after(async () => {
    await system.stop();
    client.disconnect();
    await redis.kill();
    await sink.close();
  });

  const first = await send(system.smtpPort, 'before full');
  const acceptedId = /queued as (M[0-9A-Z]{19})$/.exec(first.response)?.[1];
  assert.ok(acceptedId, first.response);

  // Big values first, then ever smaller ones: a refused write frees its own query buffer,
  // so Redis is full only once even a small write is refused.
  let fillers = 0;
  for (const size of [32 * 1024, 1024, 16]) {
    for (;;) {
      try {
        await client.set(`filler:${fillers}`, Buffer.alloc(size, 'f'));
        fillers++;
      } catch (error) {
        assert.match(String(error), /OOM/);
        break;
      }
    }
  }

  // used_memory counts client buffers, which Redis shrinks in the background: at the edge a
  // small write gets through again. Lowering maxmemory below what is used keeps it full.
  const used = Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1]);
  await client.config('SET', 'maxmemory', String(used - 256 * 1024));
  for (let i = 0; i < 3; i++) {
    const refused = await send(system.smtpPort, `while full ${i}`);
    assert.equal(refused.code, 452, `expected 452 while Redis is full, got ${refused.response}`);
    assert.match(refused.response, /^452 4\.3\.1 /);
  }
  const line = await system.service('ingest').waitForLog((entry) => entry.code === 'REDIS_FULL');
  assert.equal(line.result, 'deferred');

  await client.del(...Array.from({ length: fillers }, (_, i) => `filler:${i}`));
  await client.config('SET', 'maxmemory', '2mb');
  const recovered = await send(system.smtpPort, 'after full');
  assert.equal(recovered.code, 250, `ingest did not recover: ${recovered.response}`);

  assert.equal(await client.exists(`${system.prefix}:msg:${acceptedId}`), 1, 'the message accepted before Redis filled up is still stored');
  const queue = createQueue(QUEUES.route, client, system.prefix);
  try {
    assert.ok(await queue.getJob(jobId('route', acceptedId)), 'and its route job is still queued');
    assert.equal(await queue.count(), 2, 'exactly the two accepted messages are queued: nothing from the refused ones');
  } finally {
    await queue.close();
  }
});
