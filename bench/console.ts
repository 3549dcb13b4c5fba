// Whether the console stays responsive with 100k messages in Redis.
//
// - A private redis-server (no persistence) on a free port; a private prefix.
// - --messages (100000) messages written the way the services write them, through core: the
//   lifecycle's accept and route (so each has its stored source and a trace), and the message
//   index entry the router writes (one ZADD). Accept times are spread over the last 23 hours;
//   1 in 100 subjects contains the word "disk", 1 message in all contains "needle".
//   --dead (500) deliver jobs are failed dead letters, --queued (2000) wait in the deliver queue.
// - The console app (buildConsoleApp, as `mailsort console` builds it) listens on loopback; a
//   bearer token logs in. Each request below runs --requests (30) times, one at a time, over
//   HTTP; the bench prints the median and the 95th percentile in ms.
// Usage: node --conditions=development --import tsx bench/console.ts [--messages 100000] [--requests 30]
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { freePort, redisAnswers } from '@mailsort/cli';
import { createLogger, createMessageIndex, createMessageLifecycle, createMetricsRegistry, jobId, loadConfig, newMessageId, QUEUES } from '../packages/core/src/index.js';
import { buildConsoleApp } from '../services/console/src/console-service.js';
import { createConsoleContext } from '../services/console/src/console-context.js';
import { sleep } from './lib/proc.js';
import { fmt, median } from './lib/report.js';

const { values } = parseArgs({
  options: { messages: { type: 'string', default: '100000' }, requests: { type: 'string', default: '30' }, dead: { type: 'string', default: '500' }, queued: { type: 'string', default: '2000' } },
});
const messages = Number(values.messages);
const requests = Number(values.requests);
const TOKEN = 'bench-token-0123456789abcdef0123456789abcdef';
const prefix = 'bench-console';

const port = await freePort();
const redisServer = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
const url = `redis://127.0.0.1:${port}`;
for (let tries = 0; !(await redisAnswers(url)); tries++) {
  if (tries > 100) throw new Error('redis-server did not start');
  await sleep(100);
}
const redis = new Redis(url, { maxRetriesPerRequest: null });
// The load only: many small writes in flight, sent in as few round trips as ioredis can.
const loader = new Redis(url, { maxRetriesPerRequest: null, enableAutoPipelining: true });
const { config } = loadConfig(
  {
    file: 'bench-console.yml',
    text: `redis: { url: "${url}", prefix: ${prefix} }\nupstreams: [{ name: default, host: 127.0.0.1, port: 25, tls: none }]\nconsole: { port: 0, tokens: [{ name: bench, token: ${TOKEN}, role: read-only }] }\n`,
  },
  {},
);
const lifecycle = createMessageLifecycle(loader, { prefix, messageTtlMs: config.redis.message_ttl, traceTtlMs: config.redis.trace_ttl });
const index = createMessageIndex(loader, prefix);

const started = Date.now();
const now = Date.now();
let needle = '';
const BATCH = 2000;
for (let start = 0; start < messages; start += BATCH) {
  await Promise.all(
    Array.from({ length: Math.min(BATCH, messages - start) }, async (_, offset) => {
      const n = start + offset;
      const at = now - Math.floor(((messages - n) / messages) * 23 * 3_600_000);
      const id = newMessageId(at);
      const subject = n === Math.floor(messages / 2) ? 'the needle in the haystack' : n % 100 === 0 ? `disk almost full on db${n}` : `nightly report ${n} for host${n % 500}`;
      if (subject.startsWith('the needle')) needle = id;
      const raw = Buffer.from(
        `From: cron@host${n % 500}.example.com\r\nTo: ops@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${n}@bench.example.com>\r\n\r\n${'body line of the nightly report\r\n'.repeat(12)}`,
      );
      await lifecycle.accept(id, raw);
      await lifecycle.route(id, 1, {
        at,
        service: 'router',
        event: 'routed',
        action: 'passthrough',
        manager: null,
        rule: null,
        rules: [],
        reason: 'bench',
        destinations: [{ deliveryId: jobId('deliver', id, 0), kind: 'smtp', upstream: 'default', envelope: { from: 'cron@example.com', to: ['ops@example.com'] } }],
      });
      await index.record({ id, at, from: `cron@host${n % 500}.example.com`, to: ['ops@example.com'], subject, messageId: `<${n}@bench.example.com>`, client: { address: '127.0.0.1', tls: false } });
    }),
  );
}
const deliver = new Queue(QUEUES.deliver, { connection: redis, prefix });
const deliverJob = (n: number) => ({
  v: 1,
  id: newMessageId(),
  deliveryId: `d-bench-${n}`,
  acceptedAt: now,
  original: { from: 'a@example.com', to: ['b@example.com'] },
  destination: { kind: 'smtp', upstream: 'default', envelope: { from: 'a@example.com', to: ['b@example.com'] }, rewrites: { set: {}, remove: [] } },
});
await deliver.addBulk(Array.from({ length: Number(values.queued) }, (_, n) => ({ name: 'deliver', data: deliverJob(n), opts: { jobId: `d-bench-${n}`, delay: 3_600_000 } })));
// Dead letters as BullMQ keeps them: jobs moved to failed.
const deadQueue = new Queue(QUEUES.deliver, { connection: redis, prefix });
const multi = redis.multi();
for (let n = 0; n < Number(values.dead); n++) {
  const jobKey = `${prefix}:${QUEUES.deliver}:d-dead-${n}`;
  multi.hset(jobKey, {
    name: 'deliver',
    data: JSON.stringify({ ...deliverJob(n), deliveryId: `d-dead-${n}` }),
    opts: '{}',
    timestamp: String(now),
    attemptsMade: '1',
    failedReason: '550 5.1.1 no such user',
    finishedOn: String(now),
  });
  multi.zadd(`${prefix}:${QUEUES.deliver}:failed`, now, `d-dead-${n}`);
}
await multi.exec();
await deadQueue.close();
const loadSeconds = (Date.now() - started) / 1000;

const logger = createLogger({ service: 'console', level: 'warn' });
const context = createConsoleContext(config, redis, logger, createMetricsRegistry('console'));
const app = buildConsoleApp(context, undefined);
await app.listen({ host: '127.0.0.1', port: 0 });
const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

async function time(path: string): Promise<{ median: number; p95: number; bytes: number }> {
  const samples: number[] = [];
  let bytes = 0;
  for (let n = 0; n < requests; n++) {
    const t0 = performance.now();
    const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` }, redirect: 'manual' });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${body.slice(0, 200)}`);
    samples.push(performance.now() - t0);
    bytes = body.length;
  }
  samples.sort((a, b) => a - b);
  return { median: median(samples), p95: samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.95))]!, bytes };
}

const cases: Array<[string, string]> = [
  ['overview page (HTML)', '/'],
  ['overview live fragment', '/overview/live'],
  ['search: newest 50 (no filter)', '/messages?all=1'],
  ['search: "disk" (1 in 100, first 50)', '/messages?q=disk'],
  ['search: "needle" (1 of all: scans every entry)', '/messages?q=needle'],
  ['search: from host7 in the last hour', `/messages?from=host7.&since=${encodeURIComponent(new Date(now - 3_600_000).toISOString().slice(0, 16))}`],
  ['a message page', `/messages/${needle}`],
  ['dead letters page', '/dead-letters'],
];
console.log(
  `console bench: ${messages} messages, ${values.dead} dead letters, ${values.queued} queued deliveries in Redis (loaded in ${fmt(loadSeconds, 1)} s); ${requests} requests each, one at a time`,
);
console.log(`Redis used_memory: ${/used_memory_human:(\S+)/.exec(await redis.info('memory'))?.[1]}; index entries: ${await index.count()}`);
console.log(`${'request'.padEnd(50)} ${'median ms'.padStart(10)} ${'p95 ms'.padStart(8)} ${'bytes'.padStart(8)}`);
for (const [name, path] of cases) {
  const result = await time(path);
  console.log(`${name.padEnd(50)} ${fmt(result.median, 1).padStart(10)} ${fmt(result.p95, 1).padStart(8)} ${String(result.bytes).padStart(8)}`);
}
await app.close();
await deliver.close();
redis.disconnect();
loader.disconnect();
redisServer.kill('SIGTERM');
