// Where an SMTP transaction's time goes at ingest: runs `sessions` parallel raw-socket
// clients (one message per connection, like smtp-source) against a fresh mailsort and prints
// p50/p99 per protocol step. Usage: node --conditions=development --import tsx bench/ingest-steps.ts [--sessions 20] [--messages 1000]
import { connect, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '@mailsort/cli';
import { percentile } from './lib/latency.js';
import { startMailsort } from './lib/mailsort-system.js';
import { startSmtpSink } from './lib/smtp-tools.js';

const { values } = parseArgs({
  options: { sessions: { type: 'string', default: '20' }, messages: { type: 'string', default: '1000' }, port: { type: 'string' }, 'ingest-import': { type: 'string' } },
});
const STEPS = ['connect+greeting', 'EHLO', 'MAIL', 'RCPT', 'DATA', 'message+250', 'QUIT'] as const;
const times: Record<string, number[]> = Object.fromEntries(STEPS.map((s) => [s, []]));

function reply(socket: Socket): Promise<string> {
  return new Promise((resolveReply, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      // A multi-line reply ends with a line "NNN text".
      if (/(^|\r\n)\d{3} [^\r\n]*\r\n$/.test(buffer)) {
        socket.off('data', onData);
        resolveReply(buffer);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

async function transaction(port: number, body: string): Promise<void> {
  let t = performance.now();
  const mark = (step: (typeof STEPS)[number]) => {
    const now = performance.now();
    times[step]!.push(now - t);
    t = now;
  };
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await reply(socket);
  mark('connect+greeting');
  for (const [step, line] of [
    ['EHLO', 'EHLO probe.example'],
    ['MAIL', 'MAIL FROM:<probe@example.com>'],
    ['RCPT', 'RCPT TO:<sink@example.net>'],
    ['DATA', 'DATA'],
  ] as const) {
    socket.write(`${line}\r\n`);
    const answer = await reply(socket);
    if (!/^[23]/.test(answer)) throw new Error(`${line}: ${answer}`);
    mark(step);
  }
  socket.write(`${body}\r\n.\r\n`);
  const answer = await reply(socket);
  if (!answer.startsWith('250')) throw new Error(`end of data: ${answer}`);
  mark('message+250');
  socket.write('QUIT\r\n');
  await reply(socket);
  mark('QUIT');
  socket.destroy();
}

const sessions = Number(values.sessions);
const messages = Number(values.messages);
const body = `Subject: probe\r\n\r\n${'x'.repeat(76).concat('\r\n').repeat(54)}`;
let stop = async () => {};
let port = Number(values.port);
if (!values.port) {
  const sink = await startSmtpSink(await freePort());
  const system = await startMailsort({
    dir: join(resolve(import.meta.dirname, 'results'), `ingest-steps-${Date.now()}`),
    upstreamPort: sink.port,
    senders: 1,
    logLevel: 'info',
    profile: false,
    ...(values['ingest-import'] ? { ingestImport: resolve(values['ingest-import']) } : {}),
  });
  port = system.smtpPort;
  stop = async () => {
    await system.stop();
    await sink.stop();
  };
}
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: sessions }, async () => {
    while (next < messages) {
      next += 1;
      await transaction(port, body);
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
console.log(`${messages} messages, ${sessions} sessions: ${(messages / seconds).toFixed(0)} msg/s accepted`);
for (const step of STEPS) {
  const sorted = times[step]!.sort((a, b) => a - b);
  console.log(`${step.padEnd(18)} p50 ${percentile(sorted, 50).toFixed(2).padStart(7)} ms   p99 ${percentile(sorted, 99).toFixed(2).padStart(7)} ms`);
}
await stop();
