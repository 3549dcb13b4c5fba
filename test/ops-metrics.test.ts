import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { deployQueries, exposedFamilies, isExposed, metricNamesIn } from './support/ops-queries.js';
import { startSink } from './support/sink.js';
import { startSystem } from './support/system.js';
import { LABEL_VALUES } from '@mailsort/core';

type System = Awaited<ReturnType<typeof startSystem>>;
const SERVICES = ['ingest', 'router', 'sender', 'gocd-sync', 'console'];

let system: System;
let sink: Awaited<ReturnType<typeof startSink>>;
const scraped = new Map<string, string>();
const ports = new Map<string, number>();

before(async () => {
  sink = await startSink();
  system = await startSystem({ name: 'ops-metrics', upstreamPort: sink.port, services: ['sender', 'router', 'gocd-sync', 'ingest', 'console'], extra: { console: { port: 0 } } });
  for (const name of SERVICES) {
    const started = await system.service(name).waitForLog((line) => line.msg === `${name} started`);
    ports.set(name, started.httpPort as number);
    const response = await fetch(`http://127.0.0.1:${started.httpPort}/metrics`);
    assert.equal(response.status, 200);
    scraped.set(name, await response.text());
  }
});

after(async () => {
  await system?.stop();
  await sink?.close();
});

test('every metric the dashboard, the alert rules and the KEDA trigger query is exported by a running service', () => {
  const families = new Map<string, string>();
  for (const text of scraped.values()) for (const [name, type] of exposedFamilies(text)) families.set(name, type);
  const queries = deployQueries();
  assert.ok(queries.length > 30, `found the deploy queries (${queries.length})`);
  const missing = queries.flatMap(({ source, expr }) =>
    metricNamesIn(expr)
      .filter((name) => !isExposed(name, families))
      .map((name) => `${name} (${source})`),
  );
  assert.deepEqual(missing, [], 'metrics used in deploy/ but exported by no service');
});

test('the check reads names out of PromQL and would catch a missing one', () => {
  assert.deepEqual(metricNamesIn('histogram_quantile(0.9, sum by (le) (rate(mailsort_a_seconds_bucket{x="mailsort_not_a_name"}[5m]))) / mailsort:rec:max + mailsort_b'), [
    'mailsort_a_seconds_bucket',
    'mailsort_b',
  ]);
  const families = new Map([
    ['mailsort_a_seconds', 'histogram'],
    ['mailsort_b', 'gauge'],
  ]);
  assert.equal(isExposed('mailsort_a_seconds_bucket', families), true);
  assert.equal(isExposed('mailsort_b_bucket', families), false);
  assert.equal(isExposed('mailsort_c', families), false);
});

test('every service reports both queues by state and their oldest waiting age', () => {
  for (const [name, text] of scraped) {
    for (const queue of ['route', 'deliver']) {
      for (const state of ['waiting', 'active', 'delayed', 'failed']) {
        assert.match(text, new RegExp(`^mailsort_queue_jobs\\{[^}]*queue="${queue}",state="${state}"[^}]*\\} \\d+$`, 'm'), `${name}: ${queue} ${state}`);
      }
      assert.match(text, new RegExp(`^mailsort_queue_oldest_waiting_age_seconds\\{[^}]*queue="${queue}"[^}]*\\} [\\d.e+-]+$`, 'm'), `${name}: ${queue} oldest age`);
    }
  }
});

test('every exported metric has the mailsort_ prefix and the service label', () => {
  for (const [name, text] of scraped) {
    const samples = text.split('\n').filter((line) => line && !line.startsWith('#'));
    assert.ok(samples.length > 0);
    for (const sample of samples) {
      assert.match(sample, /^mailsort_/, `${name}: ${sample}`);
      assert.match(sample, new RegExp(`service="${name}"`), `${name}: ${sample}`);
    }
  }
});

test('the message accounting counters exist: accepted at ingest, finished by outcome', () => {
  assert.match(scraped.get('ingest')!, /^# TYPE mailsort_ingest_messages_accepted_total counter$/m);
  for (const name of ['router', 'sender']) assert.match(scraped.get(name)!, /^# TYPE mailsort_messages_finished_total counter$/m, name);
});

test('/healthz and /readyz answer 200 on every service once it has started', async () => {
  for (const [name, port] of ports) {
    for (const path of ['/healthz', '/readyz']) {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      assert.equal(response.status, 200, `${name} ${path}`);
    }
  }
});

test('regression: a fresh service lists its labelled counters at 0 for every known label value, so panels show 0 and not "No data"', () => {
  const expected: Array<[service: string, metric: string, label: string, values: readonly string[]]> = [
    ['ingest', 'mailsort_ingest_messages_rejected_total', 'reason', LABEL_VALUES.rejectReason],
    ['ingest', 'mailsort_ingest_auth_failures_total', 'reason', LABEL_VALUES.authFailureReason],
    ['ingest', 'mailsort_ingest_messages_accepted_total', 'via', LABEL_VALUES.via],
    ['router', 'mailsort_router_messages_total', 'action', LABEL_VALUES.action],
    ['router', 'mailsort_router_rule_errors_total', 'code', LABEL_VALUES.ruleErrorCode],
    ['router', 'mailsort_messages_finished_total', 'reason', LABEL_VALUES.dropReason],
    ['sender', 'mailsort_sender_deliveries_total', 'result', LABEL_VALUES.deliveryResult],
    ['gocd-sync', 'mailsort_gocd_sync_errors_total', 'reason', LABEL_VALUES.gocdErrorReason],
  ];
  for (const [service, metric, label, values] of expected) {
    for (const value of values) {
      assert.match(scraped.get(service)!, new RegExp(`^${metric}\\{[^}]*${label}="${value}"[^}]*\\} 0$`, 'm'), `${service}: ${metric}{${label}="${value}"} 0`);
    }
  }
  assert.match(scraped.get('sender')!, /^mailsort_sender_deliveries_total\{result="failed",upstream="default"[^}]*\} 0$/m, 'per configured upstream too');
});

test('regression: the greeting says ESMTP once, as a real client reads it: 220 <hostname> ESMTP mailsort', async () => {
  const { stdout } = await promisify(execFile)('swaks', ['--server', `127.0.0.1:${system.smtpPort}`, '--quit-after', 'CONNECT'], { timeout: 20_000 });
  const greeting = stdout.split('\n').find((line) => line.startsWith('<-  220 '));
  assert.equal(greeting, '<-  220 mailsort.test ESMTP mailsort');
});
