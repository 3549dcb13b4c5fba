import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { cleanPrefix, Conversation, hashOf, makeCert, plainAuth, startIngestSystem, type IngestSystem } from './ingest-helpers.js';

// The connection caps were applied in onConnect, which smtp-server runs only after an implicit
// TLS handshake: sockets that never finished it held no slot and had no overall deadline.
const cert = makeCert();
let system: IngestSystem;

before(async () => {
  system = await startIngestSystem({
    name: 'hostile-tls-handshake-flood',
    listeners: [{ name: 'smtps', tls: 'implicit' }],
    ingest: {
      tls: { cert_file: cert.certFile, key_file: cert.keyFile },
      // 127.0.0.1 (the trusted client) is trusted; the attackers are 127.0.0.2 and 127.0.0.4.
      trusted_networks: ['127.0.0.1/32'],
      users: [{ username: 'keys', password_hash: hashOf('pw'), allowed_senders: ['keys@example.com'] }],
      limits: { max_connections: 5, max_connections_per_client: 2, reserved_for_trusted: 2, socket_timeout: '30s', tls_handshake_timeout: '1500ms' },
    },
  });
});

after(async () => {
  await system.stop();
  await cleanPrefix(system.prefix);
});

function rawFrom(localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ port: system.ports.smtps!, host: '127.0.0.1', localAddress }, () => resolve(socket));
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

const closed = (socket: Socket) =>
  new Promise<number>((resolve) => {
    const started = Date.now();
    if (socket.destroyed) resolve(0);
    socket.once('close', () => resolve(Date.now() - started));
  });

test('regression: sockets held in the implicit-TLS handshake by one untrusted address locked trusted clients out — the address holds its per-client cap, the rest are closed, a trusted client is greeted', async () => {
  // The first byte of a TLS record header, then nothing: a handshake that never ends.
  const flood = await Promise.all(Array.from({ length: 12 }, () => rawFrom('127.0.0.2')));
  const closings = flood.map((socket) => closed(socket));
  for (const socket of flood) socket.write(Buffer.from([0x16]));
  await new Promise((resolve) => setTimeout(resolve, 300));
  try {
    const smtp = await Conversation.implicitTls(system.ports.smtps!);
    assert.equal((await smtp.reply(3000)).code, 220, 'the trusted client (127.0.0.1) is greeted during the flood');
    await smtp.command('QUIT');
    const open = (await Promise.all(closings.map((closing) => Promise.race([closing.then(() => 'closed'), new Promise((r) => setTimeout(() => r('open'), 200))])))).filter((state) => state === 'open');
    assert.ok(open.length <= 2, `the untrusted address kept ${open.length} sockets (cap 2)`);
  } finally {
    for (const socket of flood) socket.destroy();
  }
});

test('a handshake trickled one byte at a time is closed after tls_handshake_timeout, however long socket_timeout is', async () => {
  const socket = await rawFrom('127.0.0.4');
  const closing = closed(socket);
  const trickle = setInterval(() => socket.write(Buffer.from([0x16])), 200);
  try {
    const ms = await Promise.race([closing, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 6000))]);
    assert.ok(ms > 1000 && ms < 4000, `closed after ${ms} ms (tls_handshake_timeout 1.5 s, socket_timeout 30 s)`);
  } finally {
    clearInterval(trickle);
    socket.destroy();
  }
});

test('a user allowed only keys@example.com cannot send as a look-alike mailbox (KELVIN SIGN U+212A for the K)', async () => {
  const smtp = await Conversation.implicitTls(system.ports.smtps!);
  assert.equal((await smtp.reply()).code, 220);
  await smtp.command('EHLO client.test');
  assert.equal((await smtp.command(plainAuth('keys', 'pw'))).code, 235);
  const mail = await smtp.command('MAIL FROM:<\u212Aeys@example.com> SMTPUTF8');
  await smtp.command('QUIT');
  assert.notEqual(mail.code, 250, `MAIL FROM:<\u212Aeys@example.com> answered ${mail.code} ${mail.text}`);
});
