import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { createDeliveryHarness, rawMessage, senderConfig } from './support/deliver-jobs.js';
import { startServiceReady, type RunningService } from './support/processes.js';
import { queueCommand } from './support/queue-cli.js';
import { selfSignedCertificate, startScriptedSmtp } from './support/scripted-smtp.js';

const envelope = { from: 'ci@example.com', to: ['team@example.com'] };

function deferrals(sender: RunningService, deliveryId: string) {
  return sender.logs.filter((line) => line.msg === 'delivery deferred' && line.deliveryId === deliveryId);
}

test('with tls: starttls an upstream that offers no STARTTLS is retried and never gets the message in clear', async () => {
  const upstream = await startScriptedSmtp({ starttls: false });
  const harness = await createDeliveryHarness('no-starttls');
  const config = senderConfig(harness.prefix, [
    { name: 'required', host: '127.0.0.1', port: upstream.port, tls: 'starttls' },
    { name: 'opportunistic', host: '127.0.0.1', port: upstream.port, tls: 'starttls-opportunistic' },
  ]);
  const sender = await startServiceReady('sender', config, { args: ['--http-port', '0'] });
  after(async () => {
    await sender.stop();
    await upstream.close();
    await harness.close();
  });

  const [required] = await harness.enqueue(rawMessage('must be encrypted'), [{ kind: 'smtp', upstream: 'required', envelope }]);
  await sender.waitForLog(() => deferrals(sender, required!.deliveryId).length >= 2);
  assert.equal(deferrals(sender, required!.deliveryId)[0]!.reason, 'tls');
  assert.equal(upstream.mailFroms, 0, 'no MAIL FROM was ever sent without TLS');

  // The same server takes mail in clear when the upstream allows it: the refusal above is the TLS rule.
  const [opportunistic] = await harness.enqueue(rawMessage('may be clear'), [{ kind: 'smtp', upstream: 'opportunistic', envelope }]);
  assert.equal((await harness.waitFinished(opportunistic!.deliveryId)).state, 'completed');
  assert.deepEqual(
    upstream.received.map((m) => [m.raw.includes('may be clear'), m.secure]),
    [[true, false]],
  );
  assert.equal((await queueCommand(config, 'delete', required!.deliveryId)).code, 0);
});

test('STARTTLS to a self-signed certificate: refused unverified, delivered with ca_file or insecure_skip_verify', async () => {
  const certificate = selfSignedCertificate('localhost');
  const upstream = await startScriptedSmtp({ starttls: true, certificate });
  const harness = await createDeliveryHarness('self-signed');
  const config = senderConfig(harness.prefix, [
    { name: 'strict', host: '127.0.0.1', port: upstream.port, tls: 'starttls' },
    { name: 'pinned', host: '127.0.0.1', port: upstream.port, tls: 'starttls', tls_config: { ca_file: certificate.certFile, min_version: 'TLS12' } },
    { name: 'skip', host: '127.0.0.1', port: upstream.port, tls: 'starttls', tls_config: { insecure_skip_verify: true } },
  ]);
  const sender = await startServiceReady('sender', config, { args: ['--http-port', '0'] });
  after(async () => {
    await sender.stop();
    await upstream.close();
    await harness.close();
  });

  const [strict] = await harness.enqueue(rawMessage('strict'), [{ kind: 'smtp', upstream: 'strict', envelope }]);
  const [pinned] = await harness.enqueue(rawMessage('pinned'), [{ kind: 'smtp', upstream: 'pinned', envelope }]);
  const [skip] = await harness.enqueue(rawMessage('skip'), [{ kind: 'smtp', upstream: 'skip', envelope }]);
  assert.equal((await harness.waitFinished(pinned!.deliveryId)).state, 'completed');
  assert.equal((await harness.waitFinished(skip!.deliveryId)).state, 'completed');
  await sender.waitForLog(() => deferrals(sender, strict!.deliveryId).length >= 1);
  const deferred = deferrals(sender, strict!.deliveryId)[0]!;
  assert.equal(deferred.reason, 'tls');
  assert.match(String(deferred.reply), /self[- ]signed/i);
  assert.deepEqual(
    upstream.received.map((m) => m.secure),
    [true, true],
  );
  assert.equal(
    upstream.received.some((m) => m.raw.includes('Subject: strict')),
    false,
  );
  assert.equal((await queueCommand(config, 'delete', strict!.deliveryId)).code, 0);
});

test('a certificate for another name is refused unless server_name names it', async () => {
  const certificate = selfSignedCertificate('relay.internal');
  const upstream = await startScriptedSmtp({ starttls: true, certificate });
  const harness = await createDeliveryHarness('server-name');
  const config = senderConfig(harness.prefix, [
    { name: 'by-address', host: '127.0.0.1', port: upstream.port, tls: 'starttls', tls_config: { ca_file: certificate.certFile } },
    { name: 'by-name', host: '127.0.0.1', port: upstream.port, tls: 'starttls', tls_config: { ca_file: certificate.certFile, server_name: 'relay.internal' } },
  ]);
  const sender = await startServiceReady('sender', config, { args: ['--http-port', '0'] });
  after(async () => {
    await sender.stop();
    await upstream.close();
    await harness.close();
  });

  const [wrong] = await harness.enqueue(rawMessage('wrong name'), [{ kind: 'smtp', upstream: 'by-address', envelope }]);
  const [right] = await harness.enqueue(rawMessage('right name'), [{ kind: 'smtp', upstream: 'by-name', envelope }]);
  assert.equal((await harness.waitFinished(right!.deliveryId)).state, 'completed');
  await sender.waitForLog(() => deferrals(sender, wrong!.deliveryId).length >= 1);
  assert.match(String(deferrals(sender, wrong!.deliveryId)[0]!.reply), /altnames|does not match|hostname/i);
  assert.equal(upstream.received.length, 1);
  assert.equal((await queueCommand(config, 'delete', wrong!.deliveryId)).code, 0);
});

test('implicit TLS with AUTH PLAIN, LOGIN, CRAM-MD5 and XOAUTH2 (secret from a file); a wrong password is retried, not failed', async () => {
  const certificate = selfSignedCertificate('localhost');
  const upstream = await startScriptedSmtp({ implicitTls: true, certificate, auth: { user: 'relay', pass: 's3cret' } });
  const harness = await createDeliveryHarness('auth');
  const secretFile = `${certificate.certFile}.password`;
  writeFileSync(secretFile, 's3cret\n');
  const base = { host: '127.0.0.1', port: upstream.port, tls: 'implicit', tls_config: { ca_file: certificate.certFile } };
  const config = senderConfig(harness.prefix, [
    { name: 'plain', ...base, auth: { user: 'relay', password_file: secretFile, method: 'PLAIN' } },
    { name: 'login', ...base, auth: { user: 'relay', password: 's3cret', method: 'LOGIN' } },
    { name: 'cram', ...base, auth: { user: 'relay', password: 's3cret', method: 'CRAM-MD5' } },
    { name: 'oauth', ...base, auth: { user: 'relay', method: 'XOAUTH2', access_token: 's3cret' } },
    { name: 'wrong', ...base, auth: { user: 'relay', password: 'nope' } },
  ]);
  const sender = await startServiceReady('sender', config, { args: ['--http-port', '0'] });
  after(async () => {
    await sender.stop();
    await upstream.close();
    await harness.close();
  });

  const names = ['plain', 'login', 'cram', 'oauth'];
  const jobs = await Promise.all(names.map(async (name) => (await harness.enqueue(rawMessage(`auth ${name}`), [{ kind: 'smtp', upstream: name, envelope }]))[0]!));
  for (const job of jobs) assert.equal((await harness.waitFinished(job.deliveryId)).state, 'completed');
  assert.deepEqual(
    upstream.received.map((m) => [m.secure, m.user]),
    names.map(() => [true, 'relay']),
  );

  const [wrong] = await harness.enqueue(rawMessage('wrong password'), [{ kind: 'smtp', upstream: 'wrong', envelope }]);
  await sender.waitForLog(() => deferrals(sender, wrong!.deliveryId).length >= 1);
  const deferred = deferrals(sender, wrong!.deliveryId)[0]!;
  assert.equal(deferred.reason, 'auth');
  assert.match(String(deferred.reply), /^535 /);
  assert.ok(!JSON.stringify(sender.logs).includes('s3cret'), 'no secret reaches the logs');
  assert.equal((await queueCommand(config, 'delete', wrong!.deliveryId)).code, 0);
});
