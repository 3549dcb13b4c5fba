// Ingest memory per message in flight: N clients send S MiB each at the same moment to one
// ingest process (with a private Redis); prints how far ingest's peak RSS rose per byte in
// flight. The goal (issue 10 item 12) is at most 2× the message size.
// Usage: node --conditions=development --import tsx bench/ingest-memory.ts [--clients 5] [--mib 9] [--rounds 3]
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { freePort } from '@mailsort/cli';
import { memoryOf } from '../test/hostile-helpers.js';
import { writeFileSync } from 'node:fs';
import { writeConfigFile } from '../test/support/config.js';
import { createPrivateRedis } from '../test/support/private-redis.js';
import { startServiceReady } from '../test/support/processes.js';

const { values } = parseArgs({ options: { clients: { type: 'string', default: '5' }, mib: { type: 'string', default: '9' }, rounds: { type: 'string', default: '3' } } });
const clients = Number(values.clients);
const mib = Number(values.mib);

function message(kind: 'headerless' | 'normal', seq: number): Buffer {
  const line = kind === 'headerless' ? Buffer.concat([Buffer.alloc(998, 0x01), Buffer.from('\r\n')]) : Buffer.from(`${'x'.repeat(76)}\r\n`);
  const head = Buffer.from(`Subject: memory ${seq}\r\n${kind === 'normal' ? '\r\n' : ''}`);
  return Buffer.concat([head, ...Array.from({ length: Math.ceil((mib * 1024 * 1024) / line.length) }, () => line)]);
}

async function send(port: number, raw: Buffer): Promise<number> {
  const client = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true, socketTimeout: 120_000 });
  try {
    await client.sendMail({ envelope: { from: 'bench@example.com', to: ['team@example.com'] }, raw });
    return 250;
  } catch (error) {
    return (error as { responseCode?: number }).responseCode ?? 0;
  } finally {
    client.close();
  }
}

const redis = await createPrivateRedis();
await redis.start();
const smtpPort = await freePort();
const file = writeConfigFile({
  redis: { prefix: 'bench-memory' },
  ingest: { hostname: 'bench', listeners: [{ name: 'smtp', host: '127.0.0.1', port: smtpPort }], limits: { max_message_size: `${mib + 1}MiB` } },
  upstreams: [{ name: 'default', host: '127.0.0.1', port: 2, tls: 'none' }],
});
const ingest = await startServiceReady('ingest', file, { args: ['--http-port', '0'], env: { REDIS_URL: redis.url, LOG_LEVEL: 'info' } });
const pid = ingest.child.pid!;
try {
  const idleKiB = memoryOf(pid).rssKiB;
  console.log(`ingest memory: ${clients} clients × ${mib} MiB at once; peak RSS above the idle process (${(idleKiB / 1024).toFixed(0)} MiB) per byte in flight (goal ≤ 2.0)`);
  for (const kind of ['normal', 'headerless'] as const) {
    for (let round = 1; round <= Number(values.rounds); round++) {
      const messages = Array.from({ length: clients }, (_, i) => message(kind, i));
      const inFlight = messages.reduce((sum, m) => sum + m.length, 0);
      writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
      const codes = await Promise.all(messages.map((raw) => send(smtpPort, raw)));
      const riseKiB = memoryOf(pid).peakKiB - idleKiB;
      console.log(
        `${kind.padEnd(10)} round ${round}: replies ${codes.join(',')}  peak +${(riseKiB / 1024).toFixed(1)} MiB for ${(inFlight / 1048576).toFixed(1)} MiB in flight = ${((riseKiB * 1024) / inFlight).toFixed(2)}×`,
      );
    }
  }
} finally {
  await ingest.stop();
  await redis.kill();
}
