import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import { freePort } from '@mailsort/cli';
import { hashOf, makeCert } from './ingest-helpers.js';
import { writeConfigFile } from './support/config.js';
import { metricValue } from './support/metrics.js';
import { startServiceReady } from './support/processes.js';
import { startSink } from './support/sink.js';
import { startSystem } from './support/system.js';

const CANARY_TO = 'canary@probe.test';
const CANARY_FROM = 'canary@mailsort.test';

// A rule that would hand any mail to the canary address to a team: a canary must never follow it.
const routing = {
  managers: [
    {
      name: 'probe-box',
      kind: 'mail',
      messages_we_want: { to: CANARY_TO },
      rules: [{ actions: ['mailto:team@example.com'], filter: { function: 'mail.in_subject', args: ['canary'] } }],
    },
  ],
};

type System = Awaited<ReturnType<typeof startSystem>>;

async function scrape(system: System, name: string): Promise<string> {
  const started = await system.service(name).waitForLog((line) => line.msg === `${name} started`);
  return (await fetch(`http://127.0.0.1:${started.httpPort}/metrics`)).text();
}

function total(text: string, name: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

function send(port: number, headers: string[]): Promise<unknown> {
  const raw = [...headers, `From: <${CANARY_FROM}>`, `To: <${CANARY_TO}>`, 'Subject: mailsort canary look-alike', '', 'not a canary', ''].join('\r\n');
  const client = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  return client.sendMail({ envelope: { from: CANARY_FROM, to: [CANARY_TO] }, raw });
}

let sink: Awaited<ReturnType<typeof startSink>>;
let system: System;

before(async () => {
  sink = await startSink();
  system = await startSystem({ name: 'canary', upstreamPort: sink.port, services: ['sender', 'router', 'ingest'], extra: { routing, canary: { every: '2s', to: CANARY_TO } } });
});

after(async () => {
  await system?.stop();
  await sink?.close();
});

test('with a working upstream the canary reports success and its latency, reaches only its address, and counts in no other metric', async () => {
  await system.service('sender').waitForLog((line) => line.msg === 'canary probe reached its upstream', 20_000);
  const sender = await scrape(system, 'sender');
  assert.equal(metricValue(sender, 'mailsort_canary_success', { upstream: 'default' }), 1);
  assert.ok(metricValue(sender, 'mailsort_canary_latency_seconds_count', { upstream: 'default' }) >= 1, 'latency observed');
  assert.ok(metricValue(sender, 'mailsort_canary_last_success_timestamp_seconds', { upstream: 'default' }) > Date.now() / 1000 - 60);
  assert.ok(metricValue(sender, 'mailsort_canary_probes_total', { result: 'delivered' }) >= 1);

  const probes = sink.messages;
  assert.ok(probes.length >= 1);
  for (const message of probes) {
    assert.deepEqual(message.to, [CANARY_TO], 'the probe goes to the canary address, never to the team the rule names');
    assert.match(message.raw.toString('latin1'), /^X-Mailsort-Canary: [0-9a-f]{32}\r$/m);
  }
  const router = await scrape(system, 'router');
  const ingest = await scrape(system, 'ingest');
  assert.equal(total(ingest, 'mailsort_ingest_messages_accepted_total'), 0, 'ingest does not count it');
  assert.equal(total(router, 'mailsort_router_messages_total'), 0, 'the router does not count it');
  assert.equal(total(router, 'mailsort_router_deliveries_enqueued_total'), 0);
  assert.equal(total(sender, 'mailsort_sender_deliveries_total'), 0, 'the sender does not count it');
  assert.equal(total(sender, 'mailsort_sender_attempts_total'), 0);
  for (const text of [router, sender]) assert.equal(total(text, 'mailsort_messages_finished_total'), 0, 'no outcome counts it');
});

test('regression: a mail that imitates the canary (a made-up id, or a real probe id replayed) is routed by the rules and counted like any other', async () => {
  const [probe] = await sink.waitForMessages(1);
  const realId = /^X-Mailsort-Canary: ([0-9a-f]{32})\r$/m.exec(probe!.raw.toString('latin1'))![1]!;
  await system.service('sender').waitForLog((line) => line.msg === 'canary probe reached its upstream' && line.probe === realId);
  await send(system.smtpPort, [`X-Mailsort-Canary: ${randomBytes(16).toString('hex')}`]);
  await send(system.smtpPort, [`X-Mailsort-Canary: ${realId}`]);
  const deadline = Date.now() + 15_000;
  while (sink.messages.filter((message) => message.to.includes('team@example.com')).length < 2) {
    assert.ok(Date.now() < deadline, 'both look-alikes reach the team the rule names');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const router = await scrape(system, 'router');
  assert.equal(metricValue(router, 'mailsort_router_messages_total', { action: 'deliver' }), 2);
  assert.equal(total(await scrape(system, 'ingest'), 'mailsort_ingest_messages_accepted_total'), 2);
});

test('with the upstream down the canary reports failure', async () => {
  const down = await startSystem({ name: 'canary-down', upstreamPort: await freePort(), services: ['sender', 'router', 'ingest'], extra: { canary: { every: '2s', to: CANARY_TO } } });
  try {
    // The first probes may find ingest not yet listening (refused); the one that counts got through ingest.
    const failed = await down.service('sender').waitForLog((line) => line.msg === 'canary probe did not reach its upstream' && line.outcome === 'failed', 20_000);
    assert.match(String(failed.reply), /ECONNREFUSED|connect/i);
    assert.equal(failed.code, 'CANARY_FAILED');
    const sender = await scrape(down, 'sender');
    assert.equal(metricValue(sender, 'mailsort_canary_success', { upstream: 'default' }), 0);
    assert.ok(metricValue(sender, 'mailsort_canary_probes_total', { result: 'failed' }) >= 1);
    assert.equal(total(sender, 'mailsort_canary_last_success_timestamp_seconds'), 0, 'no success yet');
    assert.equal(total(sender, 'mailsort_sender_deliveries_total'), 0, 'a failed probe is no failed delivery');
  } finally {
    await down.stop();
  }
});

test('the canary connects as a client outside the trusted networks would: STARTTLS, verified certificate, AUTH with a password from a file', async () => {
  const cert = makeCert();
  const smtpPort = await freePort();
  const passwordFile = writeConfigFile('probe-password\n', 'canary-password');
  const tlsSink = await startSink();
  const ingest = {
    hostname: 'mailsort.test',
    listeners: [{ name: 'submission', host: '127.0.0.1', port: smtpPort, tls: 'starttls' }],
    tls: { cert_file: cert.certFile, key_file: cert.keyFile },
    trusted_networks: [],
    users: [{ username: 'canary', password_hash: hashOf('probe-password'), allowed_senders: [CANARY_FROM] }],
  };
  const canary = { every: '2s', to: CANARY_TO, auth: { user: 'canary', password_file: passwordFile }, tls_config: { ca_file: cert.certFile, server_name: 'localhost' } };
  const secured = await startSystem({ name: 'canary-tls', upstreamPort: tlsSink.port, smtpPort, services: ['sender', 'router', 'ingest'], extra: { ingest, canary } });
  try {
    await secured.service('sender').waitForLog((line) => line.msg === 'canary probe reached its upstream', 20_000);
    assert.equal(metricValue(await scrape(secured, 'sender'), 'mailsort_canary_success', { upstream: 'default' }), 1);
    assert.match(tlsSink.messages[0]!.raw.toString('latin1'), /with ESMTPSA id/, 'sent over TLS, authenticated');
  } finally {
    await secured.stop();
    await tlsSink.close();
  }
});

test('regression: a probe that timed out while no router ran is still a canary when a router routes it later — it never reaches the team a rule names', async () => {
  const lateSink = await startSink();
  const late = await startSystem({ name: 'canary-late', upstreamPort: lateSink.port, services: ['sender', 'ingest'], extra: { routing, canary: { every: '1s', to: CANARY_TO } } });
  try {
    await late.service('sender').waitForLog((line) => line.msg === 'canary probe did not reach its upstream' && line.outcome === 'timeout', 20_000);
    const router = await startServiceReady('router', late.configFile, { args: ['--http-port', '0'] });
    late.services.push(router);
    await late.service('sender').waitForLog((line) => line.msg === 'canary probe reached its upstream', 20_000);
    await router.waitForLog((line) => line.msg === 'canary probe routed');
    assert.ok(lateSink.messages.length >= 2, 'the late probes and the new one were delivered');
    for (const message of lateSink.messages) assert.deepEqual(message.to, [CANARY_TO]);
    assert.equal(total(await scrape(late, 'router'), 'mailsort_router_messages_total'), 0);
    assert.deepEqual(await late.stop(), [0, 0, 0], 'a sender waiting for a probe still shuts down cleanly');
  } finally {
    await late.stop();
    await lateSink.close();
  }
});
