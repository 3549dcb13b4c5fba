import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { Queue } from 'bullmq';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { QUEUES } from '@mailsort/core';
import { freePort } from '@mailsort/cli';
import { startServiceReady } from './support/processes.js';
import { REDIS_URL } from './support/redis.js';
import { startSink } from './support/sink.js';
import { startSystem } from './support/system.js';

/** An upstream that holds each DATA for `holdMs` before answering 250, and says when DATA began. */
async function slowUpstream(holdMs: number) {
  const received: string[] = [];
  const dataStarted: Array<() => void> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      for (const wake of dataStarted.splice(0)) wake();
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () =>
        setTimeout(() => {
          received.push(Buffer.concat(chunks).toString());
          callback(null, 'held and accepted');
        }, holdMs),
      );
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    received,
    nextData: () => new Promise<void>((resolve) => dataStarted.push(resolve)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function queueCounts(prefix: string, name: string) {
  const queue = new Queue(name, { connection: { url: REDIS_URL }, prefix });
  try {
    return await queue.getJobCounts('active', 'waiting', 'delayed', 'failed', 'completed');
  } finally {
    await queue.close();
  }
}

async function send(port: number, subject: string) {
  const client = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true });
  try {
    return await client.sendMail({ from: 'ci@example.com', to: 'team@example.com', subject, text: 'x' });
  } finally {
    client.close();
  }
}

test('SIGTERM to the sender lets the delivery in progress finish, exits 0 and leaves no stalled job', async () => {
  const upstream = await slowUpstream(1500);
  const system = await startSystem({ name: 'sigterm-sender', upstreamPort: upstream.port });
  after(async () => {
    await system.stop();
    await upstream.close();
  });
  const dataStarted = upstream.nextData();
  await send(system.smtpPort, 'in flight');
  await dataStarted;
  const sender = system.service('sender');
  assert.equal(await sender.stop('SIGTERM'), 0);
  assert.equal(upstream.received.length, 1, 'the delivery that was in progress completed before the exit');
  const counts = await queueCounts(system.prefix, QUEUES.deliver);
  assert.deepEqual({ ...counts }, { active: 0, waiting: 0, delayed: 0, failed: 0, completed: 0 }, 'the job finished (completed jobs are removed at once)');
  await sender.waitForLog((line) => line.msg === 'stopped' && line.exitCode === 0);
});

test('SIGTERM to the router finishes what it took, and a new router picks up the rest', async () => {
  const sink = await startSink();
  const system = await startSystem({ name: 'sigterm-router', upstreamPort: sink.port });
  after(async () => {
    await system.stop();
    await sink.close();
  });
  const router = system.service('router');
  const sends = Array.from({ length: 20 }, (_, i) => send(system.smtpPort, `m${i}`));
  await Promise.all(sends.slice(0, 5));
  assert.equal(await router.stop('SIGTERM'), 0);
  await Promise.all(sends);
  const replacement = await startServiceReady('router', system.configFile, { args: ['--http-port', '0'] });
  after(() => replacement.stop());
  await sink.waitForMessages(20);
  const counts = await queueCounts(system.prefix, QUEUES.route);
  assert.deepEqual([counts.active, counts.waiting, counts.failed], [0, 0, 0]);
});

function readReply(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (/^\d{3} [^\n]*\r\n$/m.test(text.split('\r\n').slice(-2).join('\r\n'))) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
  });
}

test('SIGTERM to ingest lets a client in the middle of DATA finish and get its 250, then exits 0', async () => {
  const sink = await startSink();
  const system = await startSystem({ name: 'sigterm-ingest', upstreamPort: sink.port, services: ['ingest'] });
  after(async () => {
    await system.stop();
    await sink.close();
  });
  const socket = connect(system.smtpPort, '127.0.0.1');
  await once(socket, 'connect');
  await readReply(socket);
  for (const command of ['EHLO client.test', 'MAIL FROM:<ci@example.com>', 'RCPT TO:<team@example.com>', 'DATA']) {
    socket.write(`${command}\r\n`);
    await readReply(socket);
  }
  socket.write('Subject: half way\r\n\r\nfirst half\r\n');
  const ingest = system.service('ingest');
  const exit = ingest.stop('SIGTERM');
  await ingest.waitForLog((line) => line.msg === 'shutting down');
  socket.write('second half\r\n.\r\n');
  assert.match(await readReply(socket), /^250 2\.0\.0 Ok: queued as M/m);
  socket.end('QUIT\r\n');
  assert.equal(await exit, 0);
});
