import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { cleanPrefix, Conversation, metricValue, startIngestSystem, storedMessageKeys, type IngestSystem } from './ingest-helpers.js';

// All clients are on loopback: the attackers come from 127.0.0.2 and 127.0.0.4-7, the one
// trusted client from 127.0.0.3.
const TRUSTED = '127.0.0.3';
let system: IngestSystem;

before(async () => {
  system = await startIngestSystem({
    name: 'hostile-connection-exhaustion',
    listeners: [{ name: 'smtp', tls: 'none' }],
    ingest: {
      trusted_networks: [`${TRUSTED}/32`],
      limits: {
        max_connections: 12,
        max_connections_per_client: 3,
        reserved_for_trusted: 4,
        socket_timeout: '30s',
        transaction_timeout: '4s',
        min_data_rate: 200,
        data_rate_grace: '1s',
      },
    },
  });
});

after(async () => {
  await system.stop();
  await cleanPrefix(system.prefix);
});

/** A raw socket from `localAddress` and the first reply line it gets. */
function attacker(localAddress: string): Promise<{ socket: Socket; first: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ port: system.ports.smtp!, host: '127.0.0.1', localAddress }, () => {
      const first = new Promise<string>((done) => {
        let text = '';
        socket.on('data', (chunk: Buffer) => {
          text += chunk.toString('latin1');
          if (text.includes('\n')) done(text.slice(0, text.indexOf('\n')).trim());
        });
        socket.on('close', () => done(text.trim()));
      });
      resolve({ socket, first });
    });
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

/** A trusted client's whole transaction; resolves with the reply to the final dot. */
async function trustedSend(subject: string): Promise<string> {
  const smtp = await Conversation.plain(system.ports.smtp!, TRUSTED);
  assert.equal((await smtp.reply()).code, 220);
  await smtp.command('EHLO trusted.test');
  assert.equal((await smtp.command('MAIL FROM:<ci@example.com>')).code, 250);
  assert.equal((await smtp.command('RCPT TO:<team@example.com>')).code, 250);
  assert.equal((await smtp.command('DATA')).code, 354);
  const reply = await smtp.command(`Subject: ${subject}\r\n\r\nok\r\n.`);
  await smtp.command('QUIT');
  return reply.text;
}

async function allClosed(): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (metricValue(await system.metrics(), 'mailsort_ingest_active_sessions') > 0) {
    if (Date.now() > deadline) throw new Error('sessions still open');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('regression: 40 idle and slow-trickle sockets from one untrusted address filled max_connections and a trusted client got 421; now that address gets 421 past its cap and the trusted client is served', async () => {
  assert.match(await trustedSend('before the flood'), /^250 2\.0\.0 /);
  const stored = await storedMessageKeys(system.prefix);
  const flood = await Promise.all(Array.from({ length: 40 }, () => attacker('127.0.0.2')));
  // Every socket has its first reply before any talks (a byte before the greeting would be an
  // early talker's 421 on a loaded machine); then half of them trickle a command, a byte every 500 ms.
  const firsts = await Promise.all(flood.map(({ first }) => first));
  let perAddress = 0;
  const trickles = flood.slice(20).map(({ socket }, i) => setInterval(() => socket.write('E'), 500 + i));
  try {
    assert.equal(firsts.filter((line) => line.startsWith('220 ')).length, 3, firsts.join(' | '));
    // Every other socket is refused. On a loaded machine smtp-server's own maxClients count, which still
    // includes refused sockets not yet closed, may answer one of them first ("421 <host> Too many connected clients").
    assert.equal(firsts.filter((line) => line.startsWith('421 ')).length, 37, firsts.join(' | '));
    perAddress = firsts.filter((line) => /^421 4\.7\.0 Too many connections from your address/.test(line)).length;
    assert.ok(perAddress >= 30, firsts.join(' | '));
    assert.match(await trustedSend('during the flood'), /^250 2\.0\.0 /, 'the trusted client is greeted and served');
  } finally {
    for (const timer of trickles) clearInterval(timer);
    for (const { socket } of flood) socket.destroy();
  }
  const now = await storedMessageKeys(system.prefix);
  assert.equal(now.length, stored.length + 1);
  for (const key of stored) assert.ok(now.includes(key), 'what was accepted before is kept');
  assert.equal(metricValue(await system.metrics(), 'mailsort_ingest_connections_refused_total', { reason: 'per_client' }), perAddress);
  await allClosed();
});

test('untrusted clients from many addresses together leave reserved_for_trusted slots free', async () => {
  const addresses = ['127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7'];
  const flood = await Promise.all(addresses.flatMap((address) => [0, 1, 2].map(() => attacker(address))));
  try {
    const firsts = await Promise.all(flood.map(({ first }) => first));
    assert.equal(firsts.filter((line) => line.startsWith('220 ')).length, 8, `12 - 4 reserved: ${firsts.join(' | ')}`);
    assert.equal(firsts.filter((line) => /^421 4\.7\.0 Too many connected clients/.test(line)).length, 4, firsts.join(' | '));
    assert.match(await trustedSend('in a reserved slot'), /^250 2\.0\.0 /);
  } finally {
    for (const { socket } of flood) socket.destroy();
  }
  await allClosed();
});

const KEEP_ALIVES: Array<{ name: string; commands: string[] }> = [
  { name: 'regression: a client could hold a session for ever with a NOOP now and then; now transaction_timeout cuts it off with 421 4.4.2', commands: ['NOOP'] },
  { name: 'regression: RSET and EHLO restarted the transaction clock, so a client could hold its slot for ever; now only a finished message does', commands: ['RSET', 'EHLO again.test'] },
];

for (const { name, commands } of KEEP_ALIVES) {
  test(name, async () => {
    const smtp = await Conversation.plain(system.ports.smtp!, '127.0.0.2');
    await smtp.reply();
    await smtp.command('EHLO idle.test');
    const started = Date.now();
    let turn = 0;
    const keepAlive = setInterval(() => smtp.send(`${commands[turn++ % commands.length]}\r\n`), 500);
    try {
      let reply = await smtp.reply();
      while (reply.code === 250) reply = await smtp.reply();
      assert.match(reply.text, /^421 4\.4\.2 Transaction took too long/);
      await smtp.closedByServer();
      const seconds = (Date.now() - started) / 1000;
      assert.ok(seconds >= 3.5 && seconds < 7, `cut off after ${seconds} s (transaction_timeout 4s)`);
    } finally {
      clearInterval(keepAlive);
    }
  });
}

test('regression: a DATA trickled at one byte every 250 ms held its session; now it is cut off with 421 4.4.2 in bounded time and nothing is stored', async () => {
  const stored = (await storedMessageKeys(system.prefix)).length;
  const smtp = await Conversation.plain(system.ports.smtp!, TRUSTED);
  await smtp.reply();
  await smtp.command('EHLO slow.test');
  await smtp.command('MAIL FROM:<ci@example.com>');
  await smtp.command('RCPT TO:<team@example.com>');
  assert.equal((await smtp.command('DATA')).code, 354);
  const started = Date.now();
  const trickle = setInterval(() => smtp.send('x'), 250);
  try {
    assert.match((await smtp.reply()).text, /^421 4\.4\.2 Message data arrives too slowly/);
    await smtp.closedByServer();
  } finally {
    clearInterval(trickle);
  }
  const seconds = (Date.now() - started) / 1000;
  assert.ok(seconds < 3.5, `cut off after ${seconds} s (grace 1s, 200 B/s), before transaction_timeout`);
  assert.equal((await storedMessageKeys(system.prefix)).length, stored);
  assert.equal(metricValue(await system.metrics(), 'mailsort_ingest_sessions_cut_total', { reason: 'slow_data' }), 1);
  assert.match(await trustedSend('after the slow one'), /^250 2\.0\.0 /);
});
