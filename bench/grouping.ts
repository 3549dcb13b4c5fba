// What alert grouping costs the router: the same config and the same mails twice, once with
// `grouping:` on the rule (ON) and once without (OFF).
//
// - Config: a `kind: mail` manager wanting alerts@example.com, one rule { name: gocd, filter:
//   { event: { source: gocd } }, actions: [mailto:team@example.com] }; ON adds grouping with
//   group_wait 60s, so no flush can run while routing is measured (the bench checks none did).
// - Mails: `Stage [pipe-<k>/<n>/build/1] is broken` from gocd@example.com to
//   alerts@example.com; k is drawn (seeded, so both modes get the same sequence) from
//   --pipelines (200) pipelines, n counts each pipeline's mails; --messages (5000) in all.
// - Load: a fresh startMailsort (its own redis-server with AOF on a free port, built dist/)
//   with the router held back and no sender. A nodemailer pool of 20 connections sends every
//   mail through ingest, so the route queue holds N real jobs; then the router (one process)
//   starts and drains it alone. Routing while ingest accepts would measure ingest (it accepts
//   ~900 msg/s) and share the 2 cores with it; a sender would deliver every mail in OFF and
//   none in ON (grouping holds them), which flatters ON. Deliveries stay queued.
// - Routed/s: `mailsort_router_messages_total` (summed over actions) from the router's
//   /metrics, polled every 100 ms: (routed at the poll that sees N − routed at the first
//   poll that sees any) / the time between those polls. The route queue removes completed
//   jobs at once, so its completed count is no clock.
// - Router CPU (utime+stime from /proc) and Redis commands (INFO commandstats, less INFO and
//   CONFIG themselves) are read at every poll and taken over the same window.
// - --rounds (3) alternates OFF, ON, OFF, ON…, each on a fresh system; the ratio printed is
//   the median of the rounds' ON/OFF ratios, which drifts less with other load on the machine.
// Needs `pnpm build` first (mailsort runs its built dist/, as in bench/run.sh). Usage:
//   node --conditions=development --import tsx bench/grouping.ts [--messages 5000] [--pipelines 200] [--rounds 3]
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { freePort } from '@mailsort/cli';
import { parseCommandStats, startMailsort, type MailsortSystem } from './lib/mailsort-system.js';
import { sleep } from './lib/proc.js';
import { fmt, median, table } from './lib/report.js';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '5000' }, pipelines: { type: 'string', default: '200' }, rounds: { type: 'string', default: '3' } } });
const messages = Number(values.messages);
const pipelines = Number(values.pipelines);
const rounds = Number(values.rounds);
const GROUPING = { group_by: ['key'], group_wait: '60s', group_interval: '5m', repeat_interval: '4h' };
const POLL_MS = 100;

function routing(grouping: boolean) {
  const rule = { name: 'gocd', filter: { event: { source: 'gocd' } }, actions: ['mailto:team@example.com'], ...(grouping ? { grouping: GROUPING } : {}) };
  return { managers: [{ name: 'alerts', kind: 'mail', messages_we_want: { to: 'alerts@example.com' }, rules: [rule] }] };
}

/** The same subjects for both modes: mulberry32, a small seeded generator. */
function subjects(): string[] {
  let seed = 42;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const counters = new Array<number>(pipelines).fill(0);
  return Array.from({ length: messages }, () => {
    const k = Math.floor(random() * pipelines);
    counters[k]! += 1;
    return `Stage [pipe-${k}/${counters[k]}/build/1] is broken`;
  });
}

async function send(port: number, all: string[]): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true, pool: true, maxConnections: 20, maxMessages: Infinity });
  let next = 0;
  const client = async () => {
    while (next < all.length) {
      const seq = next++;
      const raw = `From: gocd@example.com\r\nTo: alerts@example.com\r\nSubject: ${all[seq]}\r\nMessage-ID: <bench-${seq}@example.com>\r\n\r\nSee the stage's console.\r\n`;
      await transport.sendMail({ envelope: { from: 'gocd@example.com', to: ['alerts@example.com'] }, raw });
    }
  };
  try {
    await Promise.all(Array.from({ length: 20 }, client));
  } finally {
    transport.close();
  }
}

/** A counter summed over its labels, from Prometheus text. */
function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

async function sample(system: MailsortSystem) {
  const stats = parseCommandStats(system.redisCli('INFO', 'commandstats'));
  const commands = Object.entries(stats).reduce((sum, [name, s]) => (name === 'info' || name === 'config' ? sum : sum + s.calls), 0);
  const cpu = system.cpu();
  const metrics = await system.metrics('router').catch(() => '');
  return { at: performance.now(), routed: metricSum(metrics, 'mailsort_router_messages_total'), commands, routerCpu: cpu.router ?? 0, redisCpu: cpu['redis-server'] ?? 0, metrics };
}

async function run(mode: 'off' | 'on', all: string[]) {
  const system = await startMailsort({
    dir: join(resolve(import.meta.dirname, 'results'), `grouping-${mode}-${Date.now()}`),
    upstreamPort: await freePort(), // no sender runs, so nothing connects to it
    senders: 0,
    logLevel: 'info',
    profile: false,
    routing: routing(mode === 'on'),
    held: ['router'],
  });
  try {
    await send(system.smtpPort, all);
    await system.startHeld();
    let first = await sample(system);
    while (first.routed === 0) first = await sleep(POLL_MS).then(() => sample(system));
    let last = first;
    for (const stalled = Date.now() + 60_000; last.routed < messages; last = await sleep(POLL_MS).then(() => sample(system))) {
      if (Date.now() > stalled) throw new Error(`${mode}: routed ${last.routed} of ${messages} in 60 s`);
    }
    const flushes = metricSum(last.metrics, 'mailsort_router_alert_flushes_total');
    if (flushes > 0) throw new Error(`${mode}: ${flushes} alert-group flushes ran while routing was measured; raise group_wait`);
    const routed = last.routed - first.routed;
    return {
      mode,
      routedPerSec: routed / ((last.at - first.at) / 1000),
      routerCpuPer1000: ((last.routerCpu - first.routerCpu) / routed) * 1000,
      redisCpuPer1000: ((last.redisCpu - first.redisCpu) / routed) * 1000,
      commandsPerMessage: (last.commands - first.commands) / routed,
      enqueued: metricSum(last.metrics, 'mailsort_router_deliveries_enqueued_total'),
      grouped: metricSum(last.metrics, 'mailsort_router_alert_grouped_total'),
    };
  } finally {
    await system.stop();
  }
}

console.log(`${messages} GoCD "is broken" mails over ${pipelines} pipelines, pre-loaded through ingest; 1 router drains the route queue alone.`);
console.log(`routed/s: mailsort_router_messages_total polled every ${POLL_MS} ms, first to last routed; CPU (/proc) and Redis commands over the same window.`);
console.log(`grouping ON: ${JSON.stringify(GROUPING)} on the rule (no flush runs while measured).\n`);
const all = subjects();
const results: Array<{ round: number } & Awaited<ReturnType<typeof run>>> = [];
for (let round = 1; round <= rounds; round++) results.push({ round, ...(await run('off', all)) }, { round, ...(await run('on', all)) });
console.log(
  table(
    ['mode', 'round', 'messages', 'routed/s', 'router CPU s/1000', 'redis CPU s/1000', 'Redis cmds/msg', 'deliveries enqueued', 'grouped'],
    results.map((r) => [
      r.mode,
      String(r.round),
      String(messages),
      fmt(r.routedPerSec),
      fmt(r.routerCpuPer1000, 2),
      fmt(r.redisCpuPer1000, 2),
      fmt(r.commandsPerMessage, 1),
      String(r.enqueued),
      String(r.grouped),
    ]),
  ),
);
const ratios = Array.from({ length: rounds }, (_, i) => results[2 * i + 1]!.routedPerSec / results[2 * i]!.routedPerSec);
console.log(`\ngrouping on/off throughput ratio: ${fmt(median(ratios), 2)} (median; per round ${ratios.map((r) => fmt(r, 2)).join(', ')})`);
