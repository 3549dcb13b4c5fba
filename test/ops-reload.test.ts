import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { after, test } from 'node:test';
import nodemailer from 'nodemailer';
import { parse, stringify } from 'yaml';
import { writeDevCert } from '@mailsort/cli';
import { Conversation, makeCert, metricValue, startIngestSystem } from './ingest-helpers.js';
import type { RunningService } from './support/processes.js';
import { startSink } from './support/sink.js';
import { startSystem } from './support/system.js';

const RAW = (subject: string) => `From: ci@example.com\r\nTo: team@example.com\r\nSubject: ${subject}\r\n\r\nbody\r\n`;

async function send(port: number, subject: string): Promise<string> {
  const client = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  const info = await client.sendMail({ envelope: { from: 'ci@example.com', to: ['team@example.com'] }, raw: RAW(subject) });
  return info.response;
}

async function metrics(service: RunningService): Promise<string> {
  const started = await service.waitForLog((line) => line.msg === `${service.name} started`);
  return (await fetch(`http://127.0.0.1:${String(started.httpPort)}/metrics`)).text();
}

async function hangUp(services: RunningService[], result: (line: { msg: string; code?: unknown }) => boolean): Promise<void> {
  const before = services.map((service) => service.logs.length);
  for (const service of services) service.child.kill('SIGHUP');
  await Promise.all(services.map((service, index) => service.waitForLog((line) => service.logs.indexOf(line) >= before[index]! && result(line))));
}

test('SIGHUP with a changed route applies to the next message without dropping an open SMTP session or a job', async () => {
  const [a, b] = [await startSink(), await startSink()];
  const upstreams = [
    { name: 'default', host: '127.0.0.1', port: a.port, tls: 'none' },
    { name: 'b', host: '127.0.0.1', port: b.port, tls: 'none' },
  ];
  const system = await startSystem({ name: 'reload-route', upstreamPort: a.port, services: ['sender', 'router', 'ingest'], extra: { upstreams } });
  after(async () => {
    await system.stop();
    await Promise.all([a.close(), b.close()]);
  });
  assert.match(await send(system.smtpPort, 'before'), /^250 /);
  await a.waitForMessages(1);

  const open = await Conversation.plain(system.smtpPort);
  assert.equal((await open.reply()).code, 220);
  assert.equal((await open.command('EHLO client.test')).code, 250);
  assert.equal((await open.command('MAIL FROM:<ci@example.com>')).code, 250);
  assert.equal((await open.command('RCPT TO:<team@example.com>')).code, 250);

  const config = parse(readFileSync(system.configFile, 'utf8')) as Record<string, Record<string, unknown>>;
  // A route change, and a restart-only key (the router's HTTP port) that must be kept and named.
  writeFileSync(system.configFile, stringify({ ...config, routing: { default_upstream: 'b' }, http: { ...config.http, ports: { router: 1 } } }));
  const services = ['sender', 'router', 'ingest'].map((name) => system.service(name));
  await hangUp(services, (line) => line.msg === 'configuration reloaded');
  await system.service('router').waitForLog((line) => line.code === 'CONFIG_RESTART_REQUIRED' && line.key === 'http');

  assert.equal((await open.command('DATA')).code, 354);
  const done = await open.command(`${RAW('across the reload')}.`);
  assert.equal(done.code, 250, 'the session open across the reload finishes its transaction');
  assert.equal((await open.command('QUIT')).code, 221);
  assert.match(await send(system.smtpPort, 'after'), /^250 /);

  const atB = await b.waitForMessages(2);
  assert.deepEqual(atB.map((m) => /Subject: (.*)\r\n/.exec(m.raw.toString())![1]).sort(), ['across the reload', 'after']);
  assert.equal(a.messages.length, 1, 'nothing after the reload went the old route');
  assert.equal(metricValue(await metrics(system.service('router')), 'mailsort_config_reload_success'), 1);
  assert.equal(metricValue(await metrics(system.service('router')), 'mailsort_config_reloads_total', { result: 'applied' }), 1);
});

test('SIGHUP with a broken config keeps the running one and says why', async () => {
  const sink = await startSink();
  const system = await startSystem({ name: 'reload-broken', upstreamPort: sink.port, services: ['sender', 'router', 'ingest'] });
  after(async () => {
    await system.stop();
    await sink.close();
  });
  const good = readFileSync(system.configFile, 'utf8');
  writeFileSync(system.configFile, `${good}routing:\n  default_upstream: nowhere\n`);
  const router = system.service('router');
  await hangUp([router], (line) => line.code === 'CONFIG_INVALID');
  const refused = router.logs.find((line) => line.code === 'CONFIG_INVALID')!;
  assert.deepEqual(refused.problems, [`${system.configFile}:${good.split('\n').length + 1}:3: routing.default_upstream: no upstream is named "nowhere" (have: default)`]);
  const text = await metrics(router);
  assert.equal(metricValue(text, 'mailsort_config_reload_success'), 0);
  assert.equal(metricValue(text, 'mailsort_config_reloads_total', { result: 'invalid' }), 1);
  assert.match(await send(system.smtpPort, 'still routed'), /^250 /);
  await sink.waitForMessages(1);
});

function fingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

test('a renewed certificate is served to the next TLS client without a restart (reload.watch), and an open TLS session goes on', async () => {
  const cert = makeCert();
  const system = await startIngestSystem({
    name: 'reload-cert',
    ingest: { tls: { cert_file: cert.certFile, key_file: cert.keyFile } },
    extra: { reload: { watch: true, debounce: '200ms' } },
    listeners: [{ name: 'smtps', tls: 'implicit' }],
  });
  after(() => system.stop());
  const port = system.ports.smtps!;
  const first = await fingerprint(port);
  const open = await Conversation.implicitTls(port);
  assert.equal((await open.reply()).code, 220);
  assert.equal((await open.command('EHLO client.test')).code, 250);

  // What an ACME client does: new files in the same place, no signal.
  writeDevCert({ dir: dirname(cert.certFile) });
  const reloaded = await system.ingest.waitForLog((line) => line.msg === 'configuration reloaded');
  assert.equal(reloaded.reason, 'watch');
  const second = await fingerprint(port);
  assert.notEqual(second, first, 'the next TLS client gets the renewed certificate');
  assert.equal((await open.command('NOOP')).code, 250, 'the session opened before the renewal is still served');
  assert.equal(metricValue(await system.metrics(), 'mailsort_config_reload_success'), 1);
});
