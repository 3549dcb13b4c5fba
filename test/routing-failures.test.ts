import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Queue } from 'bullmq';
import nodemailer from 'nodemailer';
import { QUEUES, storeKeys, type RouteJob } from '@mailsort/core';
import { writeConfigFile } from './support/config.js';
import { queueProcess } from './support/queue-cli.js';
import { deletePrefix, testRedis } from './support/redis.js';
import { startSink } from './support/sink.js';
import { startSystem } from './support/system.js';
import { runMailsort } from './support/mailsort-cli.js';

const ROUTING = {
  fallback_actions: [],
  managers: [
    { name: 'disk', kind: 'mail', messages_we_want: { to: 'disk@example.com' }, rules: [{ actions: ['mailto:ops@example.com'], filter: { function: 'mail.body_contains', args: ['disk full'] } }] },
    { name: 'stall', kind: 'mail', messages_we_want: { to: 'stall@example.com' }, rules: [{ actions: ['mailto:ops@example.com'], filter: { function: 'mail.subject_matches', args: ['^(a+)+$'] } }] },
    { name: 'gocd', kind: 'gocd', messages_we_want: { to: 'gocd@example.com' }, rules: [{ actions: ['mailto:cat@example.com'], filter: { function: 'pipelines.any', args: [] } }] },
    {
      name: 'gocd-legacy-model',
      kind: 'gocd',
      messages_we_want: { to: 'gocd-old@example.com' },
      other_recipients: 'drop',
      rules: [{ actions: ['mailto:cat@example.com'], filter: { function: 'pipelines.any', args: [] } }],
    },
  ],
};

const redis = testRedis();
let sink: Awaited<ReturnType<typeof startSink>>;
let system: Awaited<ReturnType<typeof startSystem>>;

before(async () => {
  sink = await startSink();
  system = await startSystem({ name: 'routing-failures', upstreamPort: sink.port, extra: { routing: ROUTING }, services: ['sender', 'router', 'ingest'] });
});

after(async () => {
  await system.stop();
  await sink.close();
  await deletePrefix(redis, system.prefix);
  redis.disconnect();
});

/** A mail with more MIME parts than mailparser allows (1000). */
function manyParts(count: number, to: string): string {
  const parts = Array.from({ length: count }, (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`);
  return [`From: cron@example.com`, `To: ${to}`, 'Subject: many parts', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary=b', '', `${parts.join('')}--b--`, ''].join('\r\n');
}

async function send(raw: string, from: string, to: string[]): Promise<string> {
  const client = nodemailer.createTransport({ host: '127.0.0.1', port: system.smtpPort, secure: false, ignoreTLS: true });
  const info = await client.sendMail({ envelope: { from, to }, raw: Buffer.from(raw, 'utf8') });
  return /queued as (M[0-9A-Z]{19})/.exec(info.response)![1]!;
}

// explain works offline: nothing listens here.
const NO_REDIS = { REDIS_URL: 'redis://127.0.0.1:1' };

const mailsort = (args: string[], env: Record<string, string> = NO_REDIS) => runMailsort(args, env);

async function routerMetrics(): Promise<string> {
  const started = await system.service('router').waitForLog((line) => line.msg === 'router started');
  return (await fetch(`http://127.0.0.1:${started.httpPort as number}/metrics`)).text();
}

test('regression: a 1500-part mail to a body-rule manager was stuck retrying for days — it passes through per the rule-error policy within seconds', async () => {
  const before = sink.messages.length;
  const started = Date.now();
  const id = await send(manyParts(1500, 'disk@example.com'), 'cron@example.com', ['disk@example.com']);
  const problem = await system.service('router').waitForLog((line) => line.id === id && line.code === 'RULE_NO_BODY', 10_000);
  assert.match(String(problem.msg), /Max allowed child nodes exceeded/);
  const routed = await system.service('router').waitForLog((line) => line.id === id && line.msg === 'message routed', 10_000);
  assert.equal(routed.action, 'passthrough');
  const [delivered] = (await sink.waitForMessages(before + 1, 10_000)).slice(before);
  assert.deepEqual(delivered!.to, ['disk@example.com']);
  assert.ok(Date.now() - started < 10_000);
  assert.equal(
    system.service('router').logs.some((line) => line.id === id && line.msg?.toString().startsWith('routing failed')),
    false,
  );
  assert.match(await routerMetrics(), /mailsort_router_rule_errors_total\{code="RULE_NO_BODY",service="router"\} 1/);
});

test('regression: explain crashed with a stack trace on a 1500-part mail — it names the problem and what routing does', async () => {
  const file = writeConfigFile(manyParts(1500, 'disk@example.com'), 'many-parts.eml');
  const result = await mailsort(['explain', '--config', system.configFile, file]);
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stdout + result.stderr, /\n\s+at /, 'no stack trace');
  assert.match(result.stdout, /^action\s+passthrough$/m);
  assert.match(result.stdout, /^problem\s+RULE_NO_BODY in rules\[0\] mail\.body_contains\(disk full\): the message body could not be parsed: Max allowed child nodes exceeded$/m);
});

test('regression: a routing failure outside the rules was invisible — it ends as a dead letter with its real code, listed by queue list and show', async () => {
  const id = 'M0000000000000000DLQ';
  // A Redis reply error on every attempt: the stored message's key holds a list, so reading it fails.
  await redis.rpush(storeKeys(system.prefix).message(id), 'not a message');
  const job: RouteJob = {
    v: 1,
    id,
    envelope: { from: 'cron@example.com', to: ['disk@example.com'] },
    acceptedAt: Date.now(),
    size: 10,
    headers: 'Subject: x\r\n\r\n',
    client: { address: '127.0.0.1', tls: false },
  };
  const route = new Queue(QUEUES.route, { connection: redis, prefix: system.prefix });
  await route.add('message', job, { jobId: `r-${id}`, attempts: 2, backoff: { type: 'fixed', delay: 10 }, removeOnFail: false });
  await route.close();
  const failed = await system.service('router').waitForLog((line) => line.id === id && line.dead === true, 10_000);
  assert.equal(failed.code, 'ROUTE_FAILED');
  assert.equal(failed.msg, 'routing failed; kept as a dead letter (mailsort queue list)');
  const list = await queueProcess(system.configFile, 'list');
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, new RegExp(`^r-${id}\\s+failed\\(routing\\)\\s+\\S+\\s+2\\s+routing\\s+ROUTE_FAILED: WRONGTYPE`, 'm'));
  const show = await queueProcess(system.configFile, 'show', id);
  assert.equal(show.code, 0, show.err);
  const shown = JSON.parse(show.out) as Record<string, unknown>;
  assert.equal(shown.stage, 'routing');
  assert.match(String(shown.failedReason), /^ROUTE_FAILED: WRONGTYPE/);
});

test('regression: ^(a+)+$ from the config stalled the router for seconds — a 50 000-char subject is routed in well under a second', async () => {
  const subject = `${'a'.repeat(50_000)}!`;
  const started = Date.now();
  const id = await send(`From: cron@example.com\r\nTo: stall@example.com\r\nSubject: ${subject}\r\n\r\nx\r\n`, 'cron@example.com', ['stall@example.com']);
  const sent = Date.now();
  const dropped = await system.service('router').waitForLog((line) => line.id === id && line.msg === 'message dropped', 10_000);
  assert.equal(dropped.dropReason, 'no_rule_matched');
  const histogram = /mailsort_router_duration_seconds_sum\{service="router"\} ([0-9.e-]+)/.exec(await routerMetrics());
  assert.ok(Number(histogram![1]) < 1, `routing took ${histogram![1]} s in all (sent in ${sent - started} ms)`);
});

const STAGE = 'Subject: Stage [my-pipeline/2/s/1] is broken';

test("regression: a claimed message's other envelope recipients were dropped uncounted — native format delivers them unchanged", async () => {
  const before = sink.messages.length;
  const id = await send(`From: go@example.com\r\nTo: gocd@example.com, someone@else.example\r\n${STAGE}\r\n\r\nx\r\n`, 'go@example.com', ['gocd@example.com', 'someone@else.example']);
  const messages = (await sink.waitForMessages(before + 2, 10_000)).slice(before);
  assert.deepEqual(messages.map((m) => m.to.join(',')).sort(), ['cat@example.com', 'someone@else.example']);
  const unchanged = messages.find((m) => m.to[0] === 'someone@else.example')!;
  assert.match(unchanged.raw.toString('latin1'), /^To: gocd@example\.com, someone@else\.example\r$/m, 'headers untouched');
  const routed = await system.service('router').waitForLog((line) => line.id === id && line.msg === 'message routed');
  assert.equal(routed.deliveries, 2);
});

test("regression: a claimed message's other envelope recipients were dropped uncounted — other_recipients: drop (mail2alert's model) counts and traces them", async () => {
  const id = await send(`From: go@example.com\r\nTo: gocd-old@example.com, someone@else.example\r\n${STAGE}\r\n\r\nx\r\n`, 'go@example.com', ['gocd-old@example.com', 'someone@else.example']);
  const line = await system.service('router').waitForLog((entry) => entry.id === id && entry.reason === 'not_claimed');
  assert.deepEqual(line.recipients, ['someone@else.example']);
  assert.match(await routerMetrics(), /mailsort_router_recipients_dropped_total\{reason="not_claimed",service="router"\} 1/);
  const trace = await mailsort(['trace', '--config', system.configFile, id, '--json'], {});
  assert.equal(trace.code, 0, trace.stderr);
  const routedEvent = (JSON.parse(trace.stdout) as { events: Array<Record<string, unknown>> }).events.find((event) => event.event === 'routed')!;
  assert.deepEqual(routedEvent.others, ['someone@else.example']);
  assert.equal(routedEvent.othersAction, 'drop');
  assert.equal(routedEvent.othersDropReason, 'not_claimed');
});
