import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { createGocdState, createMessageStore } from '@mailsort/core';
import { startServiceReady } from './support/processes.js';
import { deletePrefix, testRedis } from './support/redis.js';
import { startSink } from './support/sink.js';
import { startSystem } from './support/system.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const ROUTING = {
  fallback_actions: [],
  managers: [
    {
      name: 'gocd',
      kind: 'gocd',
      messages_we_want: { to: 'mail2alert@example.com' },
      rules: [{ actions: ['mailto:cat@example.com'], filter: { events: ['BREAKS'], function: 'pipelines.in_group', args: ['my-group'] } }],
    },
    { name: 'typo', kind: 'gocd', messages_we_want: { to: 'typo@example.com' }, rules: [{ actions: ['mailto:cat@example.com'], filter: { function: 'pipelines.in_group', args: ['my-grup'] } }] },
    {
      name: 'cron',
      kind: 'mail',
      messages_we_want: { from: 'root@db1.example.com' },
      rules: [{ actions: ['mailto:ops@example.com'], filter: { function: 'mail.in_subject', args: ['backup', 'failed'] } }],
    },
  ],
};

const redis = testRedis();
let sink: Awaited<ReturnType<typeof startSink>>;
let system: Awaited<ReturnType<typeof startSystem>>;

before(async () => {
  sink = await startSink();
  system = await startSystem({ name: 'routing-router', upstreamPort: sink.port, extra: { routing: ROUTING }, services: ['sender', 'router', 'ingest'] });
  await createGocdState(redis, system.prefix).writeSnapshot({ v: 1, fetchedAt: Date.now(), checkedAt: Date.now(), source: 'test', groups: [{ name: 'my-group', pipelines: ['my-pipeline'] }] });
});

after(async () => {
  await system.stop();
  await sink.close();
  await deletePrefix(redis, system.prefix);
  redis.disconnect();
});

async function send(lines: string[], from: string, to: string[]): Promise<string> {
  const client = nodemailer.createTransport({ host: '127.0.0.1', port: system.smtpPort, secure: false, ignoreTLS: true });
  const info = await client.sendMail({ envelope: { from, to }, raw: Buffer.from(lines.join('\r\n'), 'utf8') });
  return /queued as (M[0-9A-Z]{19})/.exec(info.response)![1]!;
}

function traceJson(id: string): Promise<{ events: Array<Record<string, unknown>> }> {
  return new Promise((resolve, reject) => {
    const child = spawn('pnpm', ['exec', 'mailsort', 'trace', '--config', system.configFile, id, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(stdout) as { events: Array<Record<string, unknown>> }) : reject(new Error(`trace exited ${code}`))));
  });
}

async function routerMetrics(): Promise<string> {
  const started = await system.service('router').waitForLog((line) => line.msg === 'router started');
  return (await fetch(`http://127.0.0.1:${started.httpPort as number}/metrics`)).text();
}

test('a wanted mail no rule addresses is dropped, counted, logged with its reason, traced and deleted', async () => {
  const id = await send(['From: root@db1.example.com', 'To: root@example.com', 'Subject: backup done', '', 'ok', ''], 'root@db1.example.com', ['root@example.com']);
  const line = await system.service('router').waitForLog((entry) => entry.id === id && entry.msg === 'message dropped');
  assert.equal(line.dropReason, 'no_rule_matched');
  assert.equal(line.manager, 'cron');
  assert.match(String(line.reason), /none of its 1 rule\(s\) matched/);
  assert.equal(await createMessageStore(redis, system.prefix).exists(id), false, 'the stored message is gone');
  assert.match(await routerMetrics(), /mailsort_messages_finished_total\{outcome="dropped",reason="no_rule_matched",service="router"\} 1/);
  const { events } = await traceJson(id);
  const routed = events.find((event) => event.event === 'routed')!;
  assert.equal(routed.action, 'drop');
  assert.equal(routed.manager, 'cron');
});

test('a rule naming an unknown group never loses the mail: it passes to the default upstream, logged with a code and counted', async () => {
  const raw = ['From: go@example.com', 'To: typo@example.com', 'Subject: Stage [my-pipeline/3/s/1] is broken', '', 'x', ''];
  const before = sink.messages.length;
  const id = await send(raw, 'go@example.com', ['typo@example.com']);
  const delivered = (await sink.waitForMessages(before + 1))[before]!;
  assert.deepEqual(delivered.to, ['typo@example.com']);
  assert.match(delivered.raw.toString('utf8'), /\r\nTo: typo@example\.com\r\n/, 'unchanged');
  const warning = await system.service('router').waitForLog((entry) => entry.id === id && entry.code === 'RULE_UNKNOWN_GROUP');
  assert.equal(warning.manager, 'typo');
  assert.match(await routerMetrics(), /mailsort_router_rule_errors_total\{code="RULE_UNKNOWN_GROUP",service="router"\} 1/);
});

test("the router reads a cron mail's body for its alert event (no body rule needed), counts the event and traces it with its why", async () => {
  const id = await send(
    ['From: root@db1.example.com (Cron Daemon)', 'To: root@example.com', 'Subject: Cron <root@db1> /usr/local/bin/backup-db', '', 'dumping shop', 'pg_dump: error: connection failed', ''],
    'root@db1.example.com',
    ['root@example.com'],
  );
  await system.service('router').waitForLog((entry) => entry.id === id && entry.msg === 'message dropped');
  assert.match(await routerMetrics(), /mailsort_router_alert_events_total\{source="cron",status="firing",severity="error",service="router"\} 1/);
  assert.match(await routerMetrics(), /mailsort_router_alert_events_total\{source="fail2ban",status="info",severity="info",service="router"\} 0/, 'the others start at 0');
  const { events } = await traceJson(id);
  const alert = events.find((event) => event.event === 'routed')!.alert as { source: string; status: string; host: string; why: Array<{ field: string; from: string }> };
  assert.deepEqual([alert.source, alert.status, alert.host], ['cron', 'firing', 'db1']);
  assert.equal(alert.why.find((why) => why.field === 'status')!.from, 'body line 2');
});

test('the BREAKS/FIXED history is shared by router replicas and survives a router restart', async () => {
  const stage = (counter: number, wording: string) => ['From: go@example.com', 'To: mail2alert@example.com', `Subject: Stage [my-pipeline/${counter}/s/1] ${wording}`, '', 'x', ''];
  const first = await send(stage(10, 'passed'), 'go@example.com', ['mail2alert@example.com']);
  await system.service('router').waitForLog((entry) => entry.id === first && entry.msg === 'message dropped');
  // A new replica starts and the old one stops: the next mail is routed by a process that never saw the first.
  const replica = await startServiceReady('router', system.configFile, { args: ['--http-port', '0'] });
  assert.equal(await system.service('router').stop(), 0);
  try {
    const before = sink.messages.length;
    const second = await send(stage(11, 'failed'), 'go@example.com', ['mail2alert@example.com']);
    const routed = await replica.waitForLog((entry) => entry.id === second && entry.msg === 'message routed');
    assert.deepEqual(routed.recipients, ['cat@example.com'], '"failed" after "passed" is BREAKS');
    assert.deepEqual((await sink.waitForMessages(before + 1))[before]!.to, ['cat@example.com']);
  } finally {
    await replica.stop();
  }
});
