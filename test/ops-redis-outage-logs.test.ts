import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startCountingSink } from './support/counting-sink.js';
import { startFaultSystem } from './support/fault-system.js';
import { accepted, range, sendNumbered } from './support/load.js';
import { createPrivateRedis } from './support/private-redis.js';
import type { LogLine } from './support/processes.js';
import { waitUntil } from './support/wait.js';

const isAboutRedis = (line: LogLine) => typeof line.code === 'string' && line.code.startsWith('REDIS_');

test('regression: with Redis down for 5 s, router and sender print one JSON line per connection state change, never a raw stack, and recover', { timeout: 120_000 }, async (t) => {
  const redis = await createPrivateRedis();
  let sink: Awaited<ReturnType<typeof startCountingSink>> | undefined;
  let system: Awaited<ReturnType<typeof startFaultSystem>> | undefined;
  // Registered before anything starts, so that a failed start cannot leave a process behind.
  after(async () => {
    await system?.stop();
    await sink?.close();
    await redis.kill();
  });
  await redis.start();
  sink = await startCountingSink();
  system = await startFaultSystem({ name: 'outage-logs', redisUrl: redis.url, upstreamPort: sink.port });
  const services = system.replicas.map((replica) => replica.current);
  const before = new Map(services.map((service) => [service, service.logs.length]));

  await redis.kill();
  await new Promise((resolve) => setTimeout(resolve, 5000));
  await redis.start();
  for (const replica of system.replicas) {
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${replica.httpPort}/readyz`).catch(() => undefined))?.status === 200, 30_000, `${replica.kind} ready again`);
  }
  const owed = accepted(await sendNumbered({ port: system.smtpPort, seqs: range(0, 5), connections: 1, retryUntilAccepted: true }));
  await sink.waitForAll(owed, 30_000);

  for (const service of services) {
    const raw = service.stderr
      .join('')
      .split('\n')
      .filter((line) => line.trim() !== '');
    assert.deepEqual(raw.slice(0, 5), [], `${service.name} printed ${raw.length} non-JSON lines`);
    const lines = service.logs.slice(before.get(service));
    const aboutRedis = lines.filter(isAboutRedis);
    t.diagnostic(`${service.name}: ${lines.length} lines during the outage, ${aboutRedis.length} about Redis: ${aboutRedis.map((l) => `${l.code}/${String(l.connection)}`).join(' ')}`);
    assert.ok(aboutRedis.length < 30, `${service.name}: ${aboutRedis.length} lines about Redis`);
    assert.ok(
      lines.every((line) => (line.level !== 'error' && line.level !== 'warn') || typeof line.code === 'string'),
      `${service.name}: every warning carries a code`,
    );
    assert.ok(
      aboutRedis.every((line) => typeof line.role === 'string' && typeof line.connection === 'string' && !('stack' in line) && !('err' in line)),
      `${service.name}: each Redis line names its connection, without a stack`,
    );
    assert.ok(
      aboutRedis.some((line) => line.code === 'REDIS_UNAVAILABLE'),
      `${service.name} said Redis was down`,
    );
    assert.ok(
      aboutRedis.some((line) => line.code === 'REDIS_RECONNECTED'),
      `${service.name} said Redis was back`,
    );
  }
});
