import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFaultSystem, metricValue, type FaultSystem } from './support/fault-system.js';
import { REDIS_URL } from './support/redis.js';
import { sendOnce } from './support/send-once.js';
import { startSink } from './support/sink.js';
import { waitUntil } from './support/wait.js';

// The 20 per 1m on a 30 s window, so the test waits less; the logic is the same.
const WINDOW_MS = 30_000;
const routing = {
  managers: [
    {
      name: 'team',
      kind: 'mail',
      messages_we_want: { to: 'alerts@example.com' },
      rules: [{ name: 'all', filter: { event: {} }, actions: ['mailto:team@example.com'], flood_control: { limit: '20 per 30s' } }],
    },
  ],
};

let sink: Awaited<ReturnType<typeof startSink>>;
let system: FaultSystem;

before(async () => {
  sink = await startSink();
  system = await startFaultSystem({ name: 'flood', redisUrl: REDIS_URL, upstreamPort: sink.port, routers: 2, senders: 2, extra: { routing } });
});
after(async () => {
  await system.stop();
  await sink.close();
});

async function metricsSum(name: string, labels: Record<string, string> = {}): Promise<number> {
  const texts = await Promise.all(system.replicas.map((replica) => system.metrics(replica)));
  return texts.reduce((sum, text) => sum + metricValue(text, name, labels), 0);
}

test('200 mails to one team in a window with a limit of 20: at most 20 individual mails, 3 critical ones at once, one digest listing every held mail; nothing lost', { timeout: 120_000 }, async () => {
  // Start at the beginning of a window, so the whole flood falls in one.
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS - (Date.now() % WINDOW_MS) + 200));
  const mails = Array.from({ length: 203 }, (_, i) => {
    const critical = i === 60 || i === 120 || i === 180;
    return { from: 'nagios@mon.example.com', to: 'alerts@example.com', subject: critical ? `PROBLEM db${i} is CRITICAL` : `PROBLEM web${i % 25} is DOWN`, text: `check ${i}\n` };
  });
  const ids: string[] = [];
  for (let start = 0; start < mails.length; start += 20) {
    const results = await Promise.all(mails.slice(start, start + 20).map((mail) => sendOnce(system.smtpPort, mail)));
    for (const result of results) {
      assert.equal(result.code, 250, result.response);
      ids.push(/queued as (\S+)/.exec(result.response)![1]!);
    }
  }
  const sentAt = Date.now();
  assert.ok(sentAt % WINDOW_MS > 1000, 'the flood fitted in one window');

  const isDigest = (subject: string) => subject.startsWith('[DIGEST]');
  await waitUntil(() => sink.messages.some((message) => isDigest(message.subject)), WINDOW_MS + 20_000, 'no digest at the end of the window');
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const digests = sink.messages.filter((message) => isDigest(message.subject));
  const individual = sink.messages.filter((message) => !isDigest(message.subject));
  const critical = individual.filter((message) => message.subject.includes('CRITICAL'));
  assert.equal(digests.length, 1);
  assert.equal(digests[0]!.from, 'mailsort@mailsort.test', "regression (attack review): a digest is mailsort's, not the last held mail's sender's");
  assert.equal(critical.length, 3, 'every critical mail went through');
  assert.ok(individual.length - critical.length <= 20, `${individual.length - critical.length} individual mails over the limit of 20`);
  const digestAt = Date.parse(digests[0]!.receivedAt);
  for (const message of critical) assert.ok(Date.parse(message.receivedAt) < digestAt, 'critical mails arrive at once, not in the digest');

  // Every accepted mail is either delivered on its own or listed (by id) in the digest: exactly.
  const text = digests[0]!.raw.toString('latin1').replace(/=\r\n/g, '');
  const listed = ids.filter((id) => text.includes(`(id ${id})`));
  assert.equal(individual.length + listed.length, 203);
  assert.match(digests[0]!.subject, new RegExp(`^\\[DIGEST\\] ${listed.length} mails held by flood control`));
  // The critical mails came long after the first 20: over the limit, sent anyway, counted as bypasses.
  assert.equal(await metricsSum('mailsort_router_flood_bypassed_total', { reason: 'critical' }), 3);
  assert.equal(await metricsSum('mailsort_router_flood_held_total'), listed.length);
  await waitUntil(async () => (await metricsSum('mailsort_messages_finished_total', { outcome: 'folded', reason: 'digest' })) === listed.length, 10_000, 'held mails not all finished in the digest');
});
