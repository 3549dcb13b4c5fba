import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { cleanPrefix, Conversation, hashOf, makeCert, metricValue, plainAuth, startIngestSystem, type IngestSystem } from './ingest-helpers.js';
import { startSink } from './support/sink.js';

const run = promisify(execFile);
const cert = makeCert();
const USERS = ['nodemailer', 'swaks', 'msmtp'] as const;
const password = (user: string) => `${user}-secret-pass`;
let sink: Awaited<ReturnType<typeof startSink>>;
let system: IngestSystem;

before(async () => {
  sink = await startSink();
  system = await startIngestSystem({
    name: 'ingest-clients',
    upstreamPort: sink.port,
    services: ['sender', 'router', 'ingest'],
    listeners: [
      { name: 'submission', tls: 'starttls' },
      { name: 'smtps', tls: 'implicit' },
    ],
    ingest: {
      tls: { cert_file: cert.certFile, key_file: cert.keyFile },
      // Loopback is not trusted: these clients get in only with their passwords.
      trusted_networks: ['10.0.0.0/8'],
      users: USERS.map((username) => ({ username, password_hash: hashOf(password(username)), allowed_senders: ['@example.com'] })),
    },
  });
});

after(async () => {
  await system.stop();
  await sink.close();
  await cleanPrefix(system.prefix);
});

/** Waits for the message with this subject at the upstream sink and checks its trace header. */
async function deliveredWithSubject(subject: string, user: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = sink.messages.find((message) => message.subject === subject);
    if (found) {
      const raw = found.raw.toString('latin1');
      const received = /^Received: [^\r\n]+\r\n(?:\t[^\r\n]+\r\n)+/.exec(raw)?.[0] ?? '';
      assert.match(received, /\(using TLSv1\.[23] with cipher [A-Z0-9_-]+\)/, received);
      assert.match(received, new RegExp(`\\(authenticated user ${user}\\)`), received);
      assert.match(received, /with ESMTPSA id M[0-9A-Z]{19}/, received);
      return raw;
    }
    if (Date.now() > deadline) throw new Error(`"${subject}" did not arrive; sink has ${sink.messages.map((m) => m.subject).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

test('nodemailer delivers with STARTTLS and AUTH, verifying the self-signed certificate', async () => {
  const client = nodemailer.createTransport({
    host: '127.0.0.1',
    port: system.ports.submission,
    secure: false,
    requireTLS: true,
    tls: { ca: [readFileSync(cert.certFile, 'utf8')], servername: 'localhost' },
    auth: { user: 'nodemailer', pass: password('nodemailer') },
  });
  const info = await client.sendMail({ from: 'app@example.com', to: 'team@example.com', subject: 'via nodemailer', text: 'hello' });
  client.close();
  const id = /^250 2\.0\.0 Ok: queued as (M[0-9A-Z]{19})$/.exec(info.response)?.[1];
  assert.ok(id, info.response);
  await deliveredWithSubject('via nodemailer', 'nodemailer');
  const line = await system.ingest.waitForLog((entry) => entry.id === id);
  assert.equal(line.msg, 'message accepted');
  assert.equal(line.client, '127.0.0.1');
  assert.equal(line.user, 'nodemailer');
  assert.equal(line.result, 'accepted');
});

test('nodemailer delivers over implicit TLS (port 465 style)', async () => {
  const client = nodemailer.createTransport({
    host: '127.0.0.1',
    port: system.ports.smtps,
    secure: true,
    tls: { ca: [readFileSync(cert.certFile, 'utf8')], servername: 'localhost' },
    auth: { user: 'nodemailer', pass: password('nodemailer') },
  });
  await client.sendMail({ from: 'app@example.com', to: 'team@example.com', subject: 'via nodemailer smtps', text: 'hello' });
  client.close();
  await deliveredWithSubject('via nodemailer smtps', 'nodemailer');
});

test('swaks -tls -au -ap delivers through STARTTLS and AUTH', async () => {
  const { stdout } = await run(
    'swaks',
    [
      '--server',
      `127.0.0.1:${system.ports.submission}`,
      '-tls',
      '-au',
      'swaks',
      '-ap',
      password('swaks'),
      '--from',
      'swaks@example.com',
      '--to',
      'team@example.com',
      '--header',
      'Subject: via swaks',
      '--body',
      'hello from swaks',
    ],
    { timeout: 20_000 },
  );
  assert.match(stdout, /<~ +250 2\.0\.0 Ok: queued as M[0-9A-Z]{19}/);
  assert.match(stdout, /<~ +235 /, 'swaks authenticated');
  await deliveredWithSubject('via swaks', 'swaks');
});

function msmtpConfig(port: number, starttls: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailsort-msmtp-'));
  const file = join(dir, 'msmtprc');
  writeFileSync(
    file,
    [
      'account default',
      'host 127.0.0.1',
      `port ${port}`,
      'tls on',
      `tls_starttls ${starttls ? 'on' : 'off'}`,
      `tls_trust_file ${cert.certFile}`,
      'auth on',
      'user msmtp',
      `password ${password('msmtp')}`,
      'from cron@example.com',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return file;
}

async function msmtpSend(configFile: string, subject: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = execFile('msmtp', ['-C', configFile, 'root@example.com'], { timeout: 20_000 }, (error, _stdout, stderr) => (error ? reject(new Error(`msmtp failed: ${stderr}`)) : resolve()));
    child.stdin!.end(`From: cron@example.com\nTo: root@example.com\nSubject: ${subject}\n\nCron <root@host> run-parts /etc/cron.daily\n`);
  });
}

test('msmtp delivers with STARTTLS (tls_starttls on), checking the certificate', async () => {
  await msmtpSend(msmtpConfig(system.ports.submission!, true), 'via msmtp starttls');
  await deliveredWithSubject('via msmtp starttls', 'msmtp');
});

test('msmtp delivers with TLS on connect (tls_starttls off)', async () => {
  await msmtpSend(msmtpConfig(system.ports.smtps!, false), 'via msmtp tls-on-connect');
  await deliveredWithSubject('via msmtp tls-on-connect', 'msmtp');
});

test('an SMTP smuggling attempt reaches the upstream as one message, whatever bare line ends it carries', async () => {
  const smtp = Conversation.opensslStarttls(system.ports.submission!);
  assert.equal((await smtp.command('EHLO client.test')).code, 250);
  assert.equal((await smtp.command(plainAuth('nodemailer', password('nodemailer')))).code, 235);
  assert.equal((await smtp.command('MAIL FROM:<app@example.com>')).code, 250);
  assert.equal((await smtp.command('RCPT TO:<team@example.com>')).code, 250);
  assert.equal((await smtp.command('DATA')).code, 354);
  const smuggled = 'MAIL FROM:<app@example.com>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil';
  smtp.send(`Subject: smuggling outer\r\n\r\na\n.\n${smuggled}\r.\r${smuggled}\n.\r\n${smuggled}\r\n.\n${smuggled}\r\n.\r\n`);
  assert.match((await smtp.reply()).text, /^250 2\.0\.0 Ok: queued as M/);
  smtp.end();
  await deliveredWithSubject('smuggling outer', 'nodemailer');
});

test('every client session negotiated TLS and is counted, per listener', async () => {
  const metrics = await system.metrics();
  assert.ok(metricValue(metrics, 'mailsort_ingest_tls_sessions_total', { listener: 'submission' }) >= 3);
  assert.ok(metricValue(metrics, 'mailsort_ingest_tls_sessions_total', { listener: 'smtps' }) >= 2);
  assert.equal(metricValue(metrics, 'mailsort_ingest_messages_accepted_total', { via: 'authenticated' }), 6);
  assert.equal(metricValue(metrics, 'mailsort_ingest_auth_successes_total'), 6);
  assert.equal(sink.messages.length, 6, 'the upstream got exactly the accepted messages');
  assert.ok(sink.messages.every((message) => message.subject !== 'smuggled' && !message.to.includes('victim@example.com')));
});
