import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTraceStore, firstHeaderValue } from '@mailsort/core';
import { startFaultSystem, metricValue, type FaultSystem } from './support/fault-system.js';
import { runMailsort } from './support/mailsort-cli.js';
import { REDIS_URL, testRedis } from './support/redis.js';
import { sendOnce } from './support/send-once.js';
import { startSink } from './support/sink.js';
import { waitUntil } from './support/wait.js';

// Short windows, the production logic: group_wait/group_interval of seconds instead of minutes.
const GROUP_WAIT_MS = 4000;
const routing = {
  managers: [
    {
      name: 'team',
      kind: 'mail',
      messages_we_want: { to: 'alerts@example.com' },
      rules: [
        { name: 'gocd', filter: { event: { source: 'gocd' } }, actions: ['mailto:team@example.com'], grouping: { group_wait: '4s', group_interval: '4s' } },
        {
          name: 'cron',
          filter: { event: { source: 'cron' } },
          actions: ['mailto:ops@example.com'],
          // group_wait long enough that the ten mails, sent one after another on a busy machine, all arrive inside it.
          grouping: { group_wait: '15s', group_interval: '4s', flapping: { changes: 4, settle_at: 1, window: '10m' } },
        },
      ],
    },
  ],
};

const redis = testRedis();
let sink: Awaited<ReturnType<typeof startSink>>;
let system: FaultSystem;

before(async () => {
  sink = await startSink();
  system = await startFaultSystem({ name: 'alert-groups', redisUrl: REDIS_URL, upstreamPort: sink.port, routers: 2, senders: 1, extra: { routing } });
});
after(async () => {
  await system.stop();
  await sink.close();
  redis.disconnect();
});

const gocdMail = (pipeline: string, counter: number, wording: string) => ({
  from: 'gocd@example.com',
  to: 'alerts@example.com',
  subject: `Stage [${pipeline}/${counter}/build/1] ${wording}`,
  text: `See details: https://gocd.example.com/go/pipelines/${pipeline}/${counter}/build/1\n`,
});

/** Sends each mail and returns the queue ids ingest gave them. */
async function sendAll(mails: Array<Parameters<typeof sendOnce>[1]>, parallel = true): Promise<string[]> {
  const results = parallel ? await Promise.all(mails.map((mail) => sendOnce(system.smtpPort, mail))) : [];
  if (!parallel) for (const mail of mails) results.push(await sendOnce(system.smtpPort, mail));
  assert.deepEqual(
    results.map((result) => result.code),
    mails.map(() => 250),
  );
  return results.map((result) => /queued as (\S+)/.exec(result.response)?.[1] ?? '');
}

async function traceOf(id: string): Promise<string> {
  const result = await runMailsort(['trace', '--config', system.configFile, id], { REDIS_URL });
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

const header = (raw: Buffer, name: string) => firstHeaderValue(raw, name) ?? '';
const about = (text: string) => sink.messages.filter((message) => message.subject.includes(text));

async function metricsSum(name: string, labels: Record<string, string> = {}): Promise<number> {
  const texts = await Promise.all(system.replicas.map((replica) => system.metrics(replica)));
  return texts.reduce((sum, text) => sum + metricValue(text, name, labels), 0);
}

test('20 GoCD BREAKS mails for one pipeline inside group_wait reach the team as one notification; the FIXED mail follows in the same thread', { timeout: 60_000 }, async () => {
  const ids = await sendAll(Array.from({ length: 20 }, (_, i) => gocdMail('api', i + 1, 'is broken')));
  await waitUntil(() => about('[api/').length >= 1, GROUP_WAIT_MS + 15_000, 'the group was never flushed');
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const [first] = about('[api/');
  assert.equal(about('[api/').length, 1, 'one notification, not twenty');
  const rootId = header(first!.raw, 'message-id');
  assert.match(rootId, /^<[0-9a-f]{32}@mailsort\.test>$/);
  assert.match(header(first!.raw, 'x-mailsort-alert'), /^firing; alerts=1; mails=20; key=gocd-/);
  assert.deepEqual(first!.to, ['team@example.com']);
  // What happened to each of the 20, as the services recorded it (read straight from the trace store), and as `mailsort trace` says it.
  const store = createTraceStore(redis, system.prefix);
  const endings = await Promise.all(ids.map(async (id) => (await store.read(id)).find((event) => event.event === 'folded')));
  assert.deepEqual(endings.map((event) => event?.reason).sort(), ['grouped', ...Array(19).fill('superseded')]);
  const carried = endings.find((event) => event?.reason === 'grouped')!;
  assert.match(await traceOf(ids[endings.findIndex((event) => event?.reason === 'superseded')]!), /folded\s+folded into group g[0-9a-f]+ \(superseded\): counted, not sent/);
  assert.match(await traceOf(String(carried.notification)), /notification made for group g[0-9a-f]+: single, carrying M\w+[\s\S]*delivered/);

  await sendAll([gocdMail('api', 21, 'is fixed')]);
  await waitUntil(() => about('[api/').length >= 2, 10_000, 'the resolve was not sent at once');
  const resolve = about('[api/')[1]!;
  assert.equal(header(resolve.raw, 'in-reply-to'), rootId);
  assert.equal(header(resolve.raw, 'references'), rootId);
  assert.equal(resolve.subject, `Re: ${first!.subject}`);
  assert.match(header(resolve.raw, 'x-mailsort-alert'), /^resolved; /);
  const index = (raw: Buffer) => Buffer.from(header(raw, 'thread-index'), 'base64');
  assert.deepEqual(index(resolve.raw).subarray(0, 22), index(first!.raw).subarray(0, 22), 'Outlook sees one conversation');
  assert.equal(index(resolve.raw).length, 27);

  // Every mail ended exactly once: 21 accepted and 2 notifications made = 2 delivered + 21 folded.
  await waitUntil(async () => (await metricsSum('mailsort_messages_finished_total', { outcome: 'delivered', reason: '' })) >= 2, 10_000, 'the notifications were not counted delivered');
  const accepted = await metricsSum('mailsort_ingest_messages_accepted_total');
  const created = await metricsSum('mailsort_router_notifications_created_total');
  const delivered = await metricsSum('mailsort_messages_finished_total', { outcome: 'delivered', reason: '' });
  let folded = 0;
  for (const reason of ['duplicate', 'superseded', 'flapping', 'grouped']) folded += await metricsSum('mailsort_messages_finished_total', { outcome: 'folded', reason });
  assert.deepEqual({ accepted, created, delivered, folded }, { accepted: 21, created: 2, delivered: 2, folded: 21 });
});

test('a cron job flapping between failed and OK (10 mails) is sent once, as a flapping notice', { timeout: 60_000 }, async () => {
  const mails = Array.from({ length: 10 }, (_, i) => ({
    from: 'root@db1.example.com',
    to: 'alerts@example.com',
    subject: 'Cron <root@db1> /usr/local/bin/backup-db',
    text: i % 2 === 0 ? 'backup failed: error 2\n' : 'backup OK\n',
  }));
  await sendAll(mails, false);
  await waitUntil(() => about('backup-db').length >= 1, GROUP_WAIT_MS + 15_000, 'no notification for the flapping job');
  await new Promise((resolve) => setTimeout(resolve, GROUP_WAIT_MS + 2000));
  const sent = about('backup-db');
  assert.deepEqual(
    sent.map((message) => message.subject),
    ['[FLAPPING] Cron <root@db1> /usr/local/bin/backup-db'],
  );
  // The text part is quoted-printable: its soft line breaks joined, the sentence reads whole.
  const text = sent[0]!.raw.toString('latin1').replace(/=\r\n/g, '');
  assert.match(text, /is flapping: it changed state \d+ times in the last 10m/);
});

test('a group open while both routers are SIGKILLed and replaced is still flushed exactly once', { timeout: 90_000 }, async () => {
  await sendAll(Array.from({ length: 5 }, (_, i) => gocdMail('web', i + 1, 'is broken')));
  const [one, two] = system.of('router');
  // Routed (in the group) by now; a mail still being routed would come back after the stall timeout, past the flush.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await system.replace(one!, 'SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, GROUP_WAIT_MS - 1500));
  await system.replace(two!, 'SIGKILL');
  await waitUntil(() => about('[web/').length >= 1, 40_000, 'the group was lost with its routers');
  // A flush job a killed router held comes back after the stall timeout (10 s); it must find the flush done.
  await new Promise((resolve) => setTimeout(resolve, 12_000));
  assert.equal(about('[web/').length, 1);
  assert.match(header(about('[web/')[0]!.raw, 'x-mailsort-alert'), /mails=5;/);
  let counts: Record<string, Record<string, number>> = {};
  await waitUntil(
    async () => {
      counts = await system.jobCounts();
      return Object.values(counts).every((c) => c.waiting === 0 && c.active === 0 && c.failed === 0);
    },
    20_000,
    () => `queues did not settle: ${JSON.stringify(counts)}`,
  );
});
