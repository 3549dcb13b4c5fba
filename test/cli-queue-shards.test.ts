import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createKeyspace, createMessageLifecycle, createShardQueues, jobId, newMessageId, QUEUES, type DeliverJob } from '@mailsort/core';
import { rawMessage, senderConfig } from './support/deliver-jobs.js';
import { startServiceReady } from './support/processes.js';
import { queueCommand, queueProcess } from './support/queue-cli.js';
import { deletePrefix, testRedis, uniquePrefix } from './support/redis.js';
import { startScriptedSmtp } from './support/scripted-smtp.js';
import { waitUntil } from './support/wait.js';

const SHARDS = 3;

/** A sender process on SHARDS shards of its own prefix, and `queue`: a message stored and its delivery queued in a shard, the way the router does it. */
async function shardedSender(name: string, upstream: { port: number; close(): Promise<unknown> }, delivery: Record<string, unknown> = {}) {
  const prefix = uniquePrefix(name);
  const keyspace = createKeyspace({ prefix, shards: SHARDS });
  const redis = testRedis();
  const lifecycle = createMessageLifecycle(redis, { prefix: keyspace, messageTtlMs: 3_600_000, traceTtlMs: 3_600_000 });
  const queues = createShardQueues(QUEUES.deliver, redis, keyspace);
  const config = senderConfig(prefix, [{ name: 'main', host: '127.0.0.1', port: upstream.port, tls: 'none' }], delivery, { redis: { prefix, shards: SHARDS } });
  const sender = await startServiceReady('sender', config, { args: ['--http-port', '0'] });
  after(async () => {
    await sender.stop();
    await upstream.close();
    await queues.close();
    for (let shard = 0; shard < SHARDS; shard++) await deletePrefix(redis, keyspace.shardPrefix(shard));
    await redis.quit();
  });
  async function queue(shard: number, subject: string): Promise<DeliverJob> {
    const id = newMessageId(Date.now(), shard);
    const job: DeliverJob = {
      v: 1,
      id,
      deliveryId: jobId('deliver', id, 0),
      acceptedAt: Date.now(),
      original: { from: 'ci@example.com', to: ['team@example.com'] },
      destination: { kind: 'smtp', upstream: 'main', envelope: { from: 'ci@example.com', to: ['team@example.com'] } },
    };
    await lifecycle.accept(id, rawMessage(subject));
    await lifecycle.route(id, 1);
    await queues.forId(id).add('delivery', job, { jobId: job.deliveryId });
    return job;
  }
  return { config, queues, queue };
}

test('with redis.shards: 3 the queue commands find a dead letter whichever shard it is in: list, show, retry and delete', async () => {
  let refuse = true;
  const upstream = await startScriptedSmtp({ rcpt: () => (refuse ? '550 5.1.1 no such user' : undefined) });
  const { config, queues, queue } = await shardedSender('cli-queue-shards', upstream);

  // One message per shard.
  const jobs: DeliverJob[] = [];
  for (let shard = 0; shard < SHARDS; shard++) jobs.push(await queue(shard, `shard ${shard}`));
  for (const [shard, queue] of queues.all.entries()) assert.equal(await queue.getJobCountByTypes('waiting', 'active', 'failed', 'delayed'), 1, `shard ${shard} holds its one job`);
  await waitUntil(async () => (await Promise.all(queues.all.map((queue) => queue.getFailedCount()))).every((count) => count === 1), 20_000, 'every shard has its dead letter');

  const listed = await queueProcess(config, 'list', '--state', 'failed');
  assert.equal(listed.code, 0, listed.err);
  for (const job of jobs) assert.ok(listed.out.includes(job.deliveryId), `${job.deliveryId} is listed:\n${listed.out}`);

  const [, inShard1, inShard2] = jobs as [DeliverJob, DeliverJob, DeliverJob];
  const shown = JSON.parse((await queueCommand(config, 'show', inShard2.deliveryId)).out) as Record<string, unknown>;
  assert.equal(shown.attempts, 1);
  assert.ok(shown.storedMessage, "shard 2's message is found where its id says");
  const byMessage = await queueCommand(config, 'list', inShard2.id);
  assert.ok(byMessage.out.includes(inShard2.deliveryId), byMessage.out);

  refuse = false;
  const retried = await queueCommand(config, 'retry', inShard2.deliveryId);
  assert.equal(retried.code, 0, retried.err);
  const [delivered] = await upstream.waitForMessages(1);
  assert.match(delivered!.raw.toString(), /^Subject: shard 2\r$/m);

  const deleted = await queueCommand(config, 'delete', inShard1.deliveryId);
  assert.equal(deleted.code, 0, deleted.err);
  const left = await queueCommand(config, 'list', '--state', 'failed');
  assert.ok(left.out.includes(jobs[0]!.deliveryId), left.out);
  assert.ok(!left.out.includes(inShard1.deliveryId) && !left.out.includes(inShard2.deliveryId), left.out);
});

test('with redis.shards: 3 a sender runs delivery.concurrency deliveries at once in all, not that many per shard (an upstream sees at most 4 of concurrency 4)', async () => {
  const CONCURRENCY = 4;
  let inFlight = 0;
  let most = 0;
  const upstream = await startScriptedSmtp({
    hold: async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 400));
      inFlight--;
    },
  });
  const { queue } = await shardedSender('sender-shard-concurrency', upstream, { concurrency: CONCURRENCY });

  // Four messages in each shard, all queued before the sender can finish one.
  const total = SHARDS * 4;
  for (let n = 0; n < total; n++) await queue(n % SHARDS, `message ${n}`);
  await upstream.waitForMessages(total, 30_000);
  assert.ok(most <= CONCURRENCY, `at most ${CONCURRENCY} deliveries at once across the 3 shards; the upstream saw ${most}`);
  assert.equal(most, CONCURRENCY, 'and the shards together use all of it');
});
