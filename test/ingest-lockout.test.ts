import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { writeConfigFile } from './support/config.js';
import { startService } from './support/processes.js';
import { uniquePrefix } from './support/redis.js';
import { cleanPrefix, Conversation, hashOf, makeCert, metricValue, plainAuth, startIngestSystem, type IngestSystem } from './ingest-helpers.js';

const cert = makeCert();

async function tlsSession(port: number): Promise<Conversation> {
  const smtp = await Conversation.implicitTls(port);
  assert.equal((await smtp.reply()).code, 220);
  assert.equal((await smtp.command('EHLO attacker.test')).code, 250);
  return smtp;
}

test('brute force: 421 and close after 3 failures on a connection, then the address is locked out on every replica', async () => {
  const prefix = uniquePrefix('ingest-lockout');
  const replica = (name: string) =>
    startIngestSystem({
      name,
      prefix,
      listeners: [{ name: 'smtps', tls: 'implicit' }],
      ingest: {
        tls: { cert_file: cert.certFile, key_file: cert.keyFile },
        trusted_networks: ['10.0.0.0/8'],
        users: [{ username: 'gocd', password_hash: hashOf('right-pass'), allowed_senders: ['*'] }],
        auth: { max_failures_per_connection: 3, max_failures_per_address: 5, lockout_window: '10m', lockout_duration: '10m' },
      },
    });
  const replicas: IngestSystem[] = [await replica('a'), await replica('b')];
  after(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await cleanPrefix(prefix);
  });
  const [a, b] = replicas as [IngestSystem, IngestSystem];

  const first = await tlsSession(a.ports.smtps!);
  assert.equal((await first.command(plainAuth('gocd', 'guess-1'))).code, 535);
  assert.equal((await first.command(plainAuth('gocd', 'guess-2'))).code, 535);
  const third = await first.command(plainAuth('gocd', 'guess-3'));
  assert.match(third.text, /^421 4\.7\.0 Too many authentication failures/);
  await first.closedByServer();

  // Failures 4 and 5 go to the other replica: the count is shared through Redis.
  const second = await tlsSession(b.ports.smtps!);
  assert.equal((await second.command(plainAuth('gocd', 'guess-4'))).code, 535);
  const locking = await second.command(plainAuth('gocd', 'guess-5'));
  assert.match(locking.text, /^421 4\.7\.0 Too many failed logins from your address/);
  await second.closedByServer();

  // Now even the right password is refused, on both replicas.
  for (const system of [a, b]) {
    const locked = await tlsSession(system.ports.smtps!);
    const reply = await locked.command(plainAuth('gocd', 'right-pass'));
    assert.match(reply.text, /^421 4\.7\.0 Too many failed logins/);
    await locked.closedByServer();
  }
  assert.equal(metricValue(await b.metrics(), 'mailsort_ingest_auth_lockouts_total'), 1);
  assert.equal(metricValue(await a.metrics(), 'mailsort_ingest_auth_failures_total', { reason: 'locked_out' }), 1);
  assert.equal(metricValue(await a.metrics(), 'mailsort_ingest_auth_failures_total', { reason: 'invalid_credentials' }), 3);
});

test('ingest refuses to start when the TLS key is unreadable, naming the key and the file', async () => {
  const configFile = writeConfigFile({
    redis: { prefix: uniquePrefix('ingest-badtls') },
    http: { host: '127.0.0.1' },
    ingest: { listeners: [{ name: 'smtp', host: '127.0.0.1', port: 0 }], tls: { cert_file: cert.certFile, key_file: '/nonexistent/key.pem' } },
    upstreams: [{ name: 'default', host: '127.0.0.1', port: 9 }],
  });
  const ingest = startService('ingest', configFile, { args: ['--http-port', '0'] });
  const code = await ingest.exited;
  assert.equal(code, 2);
  // The loader reads the files the services will read, so this is a config problem at its line.
  assert.match(ingest.stderr.join(''), /^\S+mailsort\.yml:\d+:\d+: ingest\.tls\.key_file: cannot read \/nonexistent\/key\.pem: ENOENT/);
});
