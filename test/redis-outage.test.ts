import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { sendOnce, type SendResult } from './support/send-once.js';
import { startSink } from './support/sink.js';
import { createPrivateRedis } from './support/private-redis.js';
import { startSystem } from './support/system.js';

const send = (port: number) => sendOnce(port, { from: 'a@example.com', to: 'b@example.com', subject: 'outage', text: 'x' });

test('with Redis down ingest answers 451 within 5 s, never 250, and recovers without a restart', async () => {
  const redis = await createPrivateRedis();
  await redis.start();
  const sink = await startSink();
  const system = await startSystem({ name: 'outage', upstreamPort: sink.port, services: ['ingest'], env: { REDIS_URL: redis.url } });
  after(async () => {
    await system.stop();
    await redis.kill();
    await sink.close();
  });

  assert.equal((await send(system.smtpPort)).code, 250);
  await redis.kill();
  for (let i = 0; i < 3; i++) {
    const result = await send(system.smtpPort);
    assert.equal(result.code, 451, `expected 451 while Redis is down, got ${result.response}`);
    assert.match(result.response, /^451 4\.3\.0 /);
    assert.ok(result.ms < 5000, `451 took ${result.ms} ms`);
  }
  await redis.start();
  let recovered: SendResult | undefined;
  for (let i = 0; i < 50; i++) {
    recovered = await send(system.smtpPort);
    if (recovered.code === 250) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.equal(recovered?.code, 250, `ingest did not recover: ${recovered?.response}`);
});
