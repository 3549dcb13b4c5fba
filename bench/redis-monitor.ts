// Where a message's Redis commands go: N messages through a fresh mailsort one at a time
// (swaks, 300 ms apart, so nothing is batched), every command recorded with `redis-cli MONITOR`,
// and each top-level call shown with the commands its script made, per message.
//   pnpm build && node --conditions=development --import tsx bench/redis-monitor.ts [--messages 10] [--raw FILE]
// --raw keeps MONITOR's own output in FILE, to read the commands inside each script.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../packages/cli/src/dev/local-redis.js';
import { startMailsort } from './lib/mailsort-system.js';
import { sleep } from './lib/proc.js';
import { startSmtpSink } from './lib/smtp-tools.js';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '10' }, raw: { type: 'string' } } });
const messages = Number(values.messages);
const sink = await startSmtpSink(await freePort());
const system = await startMailsort({ dir: mkdtempSync(join(tmpdir(), 'mailsort-monitor-')), upstreamPort: sink.port, senders: 1, logLevel: 'info', profile: false });
await sleep(1000);
const monitor = spawn('redis-cli', ['-p', String(system.redisPort), 'monitor'], { stdio: ['ignore', 'pipe', 'ignore'] });
let text = '';
monitor.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
await sleep(300);
for (let i = 0; i < messages; i++) {
  spawnSync('swaks', ['--server', `127.0.0.1:${system.smtpPort}`, '--from', 'a@example.com', '--to', 'sink@example.net', '--body', 'x'.repeat(4000), '--silent', '2']);
  await sleep(300);
}
await sink.waitFor(messages);
await sleep(1000);
monitor.kill();
await system.stop();
await sink.stop();
if (values.raw) writeFileSync(values.raw, text);

// `<time> [0 127.0.0.1:port] "cmd" "arg" …` for a client's call, `[0 lua]` for a script's.
const ARG = /"((?:[^"\\]|\\.)*)"/g;
// A script is known by its key count and first key: BullMQ's by the queue, the lifecycle's by the message keys.
const SCRIPTS: Array<[number, RegExp, string]> = [
  [9, /:wait$/, 'BullMQ addStandardJob'],
  [11, /:wait$/, 'BullMQ moveToActive'],
  [14, /:wait$/, 'BullMQ moveToFinished'],
  [11, /:marker$/, 'BullMQ moveToDelayed'],
  [3, /:msg:[^:]+$/, 'lifecycle ROUTE'],
  [5, /:delivered:/, 'lifecycle BEGIN'],
  [6, /:msg:[^:]+$/, 'lifecycle DELIVER'],
  [2, /:delivered:/, 'lifecycle DEFER'],
];
const mask = (key: string) => key.replace(/[A-Z0-9]{20}/g, '<id>').replace(/:\d{6,}$/, ':<n>');
const calls = new Map<string, { calls: number; inner: number }>();
let current: { calls: number; inner: number } | undefined;
let total = 0;
for (const line of text.split('\n')) {
  const from = /^\S+ \[\d+ ([^\]]+)\]/.exec(line)?.[1];
  if (!from) continue;
  const args = [...line.matchAll(ARG)].map((m) => m[1]!);
  total++;
  if (from === 'lua') {
    if (current) current.inner++;
    continue;
  }
  const command = args[0]!.toLowerCase();
  let name = `${command} ${mask(args[1] ?? '')}`;
  if (command === 'evalsha' || command === 'eval') {
    const [keys, first] = [Number(args[2]), args[3] ?? ''];
    const known = SCRIPTS.find(([n, key]) => n === keys && key.test(first));
    name = known ? `${known[2]} (${mask(first).split(':')[1]})` : `script with ${keys} keys, first ${mask(first)}`;
  }
  current = calls.get(name) ?? { calls: 0, inner: 0 };
  current.calls++;
  calls.set(name, current);
}
console.log(`${messages} messages, ${(total / messages).toFixed(1)} Redis commands per message (a client's call and each command its script made)\n`);
console.log('| call | calls per message | commands per message |\n| --- | ---: | ---: |');
for (const [name, { calls: n, inner }] of [...calls].sort((a, b) => b[1].calls + b[1].inner - (a[1].calls + a[1].inner))) {
  if (n + inner >= messages / 2) console.log(`| ${name} | ${(n / messages).toFixed(1)} | ${((n + inner) / messages).toFixed(1)} |`);
}
