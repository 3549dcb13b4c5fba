// Where the latency of bench/run.sh's latency run goes: a fresh mailsort, RATE messages a second
// for SECONDS (after the same warm-up), then each measured message's stages from what mailsort
// itself recorded: accepted (the console index), routed (trace), the sender's first attempt
// (delivery record), its upstream's 250 (trace), and the sink's end of DATA.
//   pnpm build && node --conditions=development --import tsx bench/latency-stages.ts [RATE] [SECONDS]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { jobId } from '../packages/core/src/queues/catalogue.js';
import { freePort } from '../packages/cli/src/dev/local-redis.js';
import { startMailsort } from './lib/mailsort-system.js';
import { measureLatency, percentile, startTimingSink, WARMUP_SECONDS } from './lib/latency.js';

const rate = Number(process.argv[2] ?? 100);
const seconds = Number(process.argv[3] ?? 10);
const sinkPort = await freePort();
const sink = await startTimingSink(sinkPort);
const system = await startMailsort({ dir: mkdtempSync(join(tmpdir(), 'lat-')), upstreamPort: sinkPort, senders: 1, logLevel: 'info', profile: false });
const result = await measureLatency(system.smtpPort, sink.arrivals, rate, seconds, 4096);
console.log(result);
const redis = new Redis(system.redisPort);
const index = await redis.zrange('bench:console:messages', 0, -1);
const stages: Record<string, number[]> = { acceptToRouted: [], routedToBegin: [], beginToDelivered: [], deliveredToSink: [], total: [] };
for (const line of index) {
  const entry = JSON.parse(line);
  const seq = Number(/latency (\d+)/.exec(entry.subject)?.[1]);
  // The warm-up's messages are not measured.
  if (!(seq >= rate * WARMUP_SECONDS)) continue;
  const trace = (await redis.lrange(`bench:trace:${entry.id}`, 0, -1)).map((t) => JSON.parse(t));
  const routed = trace.find((t) => t.event === 'routed')?.at;
  const delivered = trace.find((t) => t.event === 'delivered')?.at;
  const rec = await redis.hgetall(`bench:delivery:${jobId('deliver', entry.id, 0)}`);
  const begin = Number(rec.firstAttemptAt);
  const sinkAt = sink.arrivals.get(seq);
  stages.acceptToRouted!.push(routed - entry.at);
  stages.routedToBegin!.push(begin - routed);
  stages.beginToDelivered!.push(delivered - begin);
  if (sinkAt) stages.deliveredToSink!.push(sinkAt - delivered);
  if (sinkAt) stages.total!.push(sinkAt - entry.at);
}
for (const [k, v] of Object.entries(stages)) {
  v.sort((a, b) => a - b);
  console.log(k.padEnd(18), 'n', v.length, 'p50', percentile(v, 50).toFixed(1), 'p90', percentile(v, 90).toFixed(1), 'p99', percentile(v, 99).toFixed(1), 'max', v.at(-1)?.toFixed(1));
}
redis.disconnect();
await system.stop();
await sink.close();
