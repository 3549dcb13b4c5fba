// The throughput benchmark: mailsort (A) against a private Postfix (B) and a private Haraka
// (C), all fed by Postfix's smtp-source and delivering to Postfix's smtp-sink, alternating
// A B C A B C (with --baseline REV, another revision of mailsort runs after each A). Prints
// tables, then issue 16's figures with their must-levels, and writes everything measured to
// bench/results/<time>/results.json. See docs/performance.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '@mailsort/cli';
import { measureLatency, startTimingSink, WARMUP_SECONDS, type LatencyResult } from './lib/latency.js';
import { startMailsort } from './lib/mailsort-system.js';
import { prepareBaseline } from './lib/baseline.js';
import { createHaraka, ensureHaraka } from './lib/haraka-instance.js';
import { createPostfix } from './lib/postfix-instance.js';
import { fmt, mb, median, table } from './lib/report.js';
import { runMailsort, runPeer, runSinkOnly, type RunResult } from './lib/throughput.js';
import { verdicts } from './lib/verdict.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '5000' },
    sessions: { type: 'string', default: '20' },
    size: { type: 'string', default: '4096' },
    rounds: { type: 'string', default: '3' },
    senders: { type: 'string', default: '1' },
    concurrency: { type: 'string' },
    scaling: { type: 'string', default: '1,2,3' },
    'latency-rate': { type: 'string', default: '100' },
    'latency-seconds': { type: 'string', default: '20' },
    'log-level': { type: 'string', default: 'info' },
    skip: { type: 'string', default: '' },
    profile: { type: 'boolean', default: false },
    'ingest-import': { type: 'string' },
    baseline: { type: 'string' },
    'haraka-nodes': { type: 'string', default: 'cpus' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(`bash bench/run.sh [--messages 5000] [--sessions 20] [--size 4096] [--rounds 3] [--senders 1]
  [--concurrency N] [--scaling 1,2,3] [--latency-rate 100] [--latency-seconds 20] [--log-level info]
  [--skip sink,postfix,haraka,scaling,latency,latency-grouping] [--profile] [--ingest-import bench/experiments/FILE.mjs]
  [--baseline REV] [--haraka-nodes cpus]

  --messages N        messages per throughput run (each on its own connection)
  --sessions N        parallel smtp-source clients
  --size BYTES        body size
  --rounds N          rounds of A (mailsort), [A0 (baseline)], B (Postfix), C (Haraka)
  --senders N         sender processes in the rounds and the latency runs
  --concurrency N     delivery.concurrency of each sender (default: the config's default)
  --scaling LIST      sender counts of the scaling runs
  --latency-rate N    messages a second in the latency runs
  --latency-seconds N measured seconds of each latency run (after a ${WARMUP_SECONDS} s warm-up)
  --log-level LEVEL   mailsort's log level (info, as in production)
  --skip LIST         parts not to run: sink, postfix, haraka, scaling, latency (all latency
                      runs), latency-grouping (only the run with alert grouping on)
  --profile           run each mailsort service under node --cpu-prof
  --ingest-import F   a module ingest preloads (node --import), for experiments
  --baseline REV      also run mailsort at git revision REV (unpacked and built once in
                      <tmpdir>/mailsort-baseline-<sha>) after each A, for the CPU A/B figure;
                      without it that figure says "not run"
  --haraka-nodes N    Haraka's smtp.ini nodes= (cpus: one worker per core; 0: one process)`);
  process.exit(0);
}
const load = { messages: Number(values.messages), sessions: Number(values.sessions), size: Number(values.size) };
const rounds = Number(values.rounds);
const senders = Number(values.senders);
const concurrency = values.concurrency ? Number(values.concurrency) : undefined;
const skip = new Set(values.skip.split(',').filter(Boolean));
const options = { concurrency, logLevel: values['log-level'], profile: values.profile, ...(values['ingest-import'] ? { ingestImport: resolve(values['ingest-import']) } : {}) };
const root = resolve(import.meta.dirname, 'results', new Date().toISOString().replace(/[:.]/g, '-'));
mkdirSync(root, { recursive: true });
const log = (text: string) => console.log(text);
const brief = (r: RunResult) =>
  r.error
    ? `${r.system}: FAILED ${r.error}`
    : `${r.system}: accepted ${fmt(r.acceptedPerSec)}/s, end to end ${fmt(r.endToEndPerSec)}/s (${fmt(r.endToEndSeconds, 1)} s), CPU ${fmt(r.cpuSeconds.total ?? NaN, 1)} s`;

log(`load: ${load.messages} messages, ${load.sessions} sessions, ${load.size} bytes, one connection per message; results in ${root}`);
const sinkPort = await freePort();
const postfix = createPostfix(join(root, 'postfix'), await freePort(), sinkPort);
const harakaVersion = skip.has('haraka') ? undefined : ensureHaraka();
const haraka = harakaVersion ? createHaraka(join(root, 'haraka'), await freePort(), sinkPort, values['haraka-nodes']) : undefined;
if (harakaVersion) log(`haraka ${harakaVersion}, nodes=${values['haraka-nodes']}`);
const baseline = values.baseline ? prepareBaseline(values.baseline) : undefined;
if (baseline) log(`baseline: ${values.baseline} = ${baseline.sha} in ${baseline.root}`);
const BASELINE_LABEL = 'mailsort baseline';
/** The latency variant with alert grouping on: the bench's mail is a GoCD alert, grouped with group_wait 0. */
const LATENCY_GROUPING = {
  managers: [
    {
      name: 'alerts',
      kind: 'mail',
      messages_we_want: { to: 'sink@example.net' },
      rules: [{ name: 'gocd', filter: { event: { source: 'gocd' } }, actions: ['mailto:sink@example.net'], grouping: { group_by: ['key'], group_wait: 0 } }],
    },
  ],
};
const results: { sinkOnly?: RunResult; rounds: RunResult[]; scaling: RunResult[]; latency: Record<string, LatencyResult> } = { rounds: [], scaling: [], latency: {} };

if (!skip.has('sink')) {
  results.sinkOnly = await runSinkOnly(sinkPort, load);
  log(brief(results.sinkOnly));
}
for (let round = 1; round <= rounds; round++) {
  const a = await runMailsort(join(root, `round-${round}-mailsort`), sinkPort, load, { senders, ...options });
  results.rounds.push(a);
  log(`round ${round} A ${brief(a)}`);
  if (baseline) {
    const a0 = await runMailsort(join(root, `round-${round}-baseline`), sinkPort, load, { senders, ...options, cliRoot: baseline.root, label: BASELINE_LABEL });
    results.rounds.push(a0);
    log(`round ${round} A0 ${brief(a0)}`);
  }
  if (!skip.has('postfix')) {
    const b = await runPeer('postfix', postfix, sinkPort, load);
    results.rounds.push(b);
    log(`round ${round} B ${brief(b)}`);
  }
  if (haraka) {
    const c = await runPeer('haraka', haraka, sinkPort, load);
    results.rounds.push(c);
    log(`round ${round} C ${brief(c)}${haraka.queued() ? ` (${haraka.queued()} files left in its queue)` : ''}`);
  }
}
if (!skip.has('scaling')) {
  for (const n of values.scaling.split(',').map(Number)) {
    const r = await runMailsort(join(root, `scaling-${n}`), sinkPort, load, { ...options, senders: n });
    results.scaling.push(r);
    log(`scaling ${brief(r)}`);
  }
}
if (!skip.has('latency')) {
  const rate = Number(values['latency-rate']);
  const seconds = Number(values['latency-seconds']);
  const sink = await startTimingSink(sinkPort);
  try {
    const system = await startMailsort({ dir: join(root, 'latency-mailsort'), upstreamPort: sinkPort, senders, ...options });
    try {
      results.latency.mailsort = await measureLatency(system.smtpPort, sink.arrivals, rate, seconds, load.size);
    } finally {
      await system.stop();
    }
    sink.arrivals.clear();
    if (!skip.has('latency-grouping')) {
      // Every mail a GoCD alert of its own pipeline: each is a new group, held and flushed at
      // group_wait 0, so each one takes grouping's whole path (state, flush job, flush).
      const grouped = await startMailsort({ dir: join(root, 'latency-mailsort-grouping'), upstreamPort: sinkPort, senders, ...options, routing: LATENCY_GROUPING });
      try {
        results.latency['mailsort-grouping'] = await measureLatency(grouped.smtpPort, sink.arrivals, rate, seconds, load.size, (seq) => `Stage [latency-${seq}/1/build/1] is broken`);
      } finally {
        await grouped.stop();
      }
      sink.arrivals.clear();
    }
    if (!skip.has('postfix')) {
      await postfix.start();
      try {
        results.latency.postfix = await measureLatency(postfix.smtpPort, sink.arrivals, rate, seconds, load.size);
      } finally {
        await postfix.stop();
      }
      sink.arrivals.clear();
    }
    if (haraka) {
      await haraka.start();
      try {
        results.latency.haraka = await measureLatency(haraka.smtpPort, sink.arrivals, rate, seconds, load.size);
      } finally {
        await haraka.stop();
      }
    }
  } finally {
    await sink.close();
  }
}
writeFileSync(join(root, 'results.json'), JSON.stringify({ load, rounds, senders, concurrency, haraka: harakaVersion, baseline: baseline?.sha, results }, null, 2));

// ---- summary ----
const bySystem = (rs: RunResult[], system: string) => rs.filter((r) => r.system === system && !r.error);
const ms = bySystem(results.rounds, `mailsort (${senders} sender${senders > 1 ? 's' : ''})`);
const pf = bySystem(results.rounds, 'postfix');
const hk = bySystem(results.rounds, 'haraka');
const a0 = bySystem(results.rounds, BASELINE_LABEL);
const row = (name: string, rs: RunResult[]) => [
  name,
  String(rs.length),
  fmt(median(rs.map((r) => r.acceptedPerSec))),
  fmt(median(rs.map((r) => r.endToEndPerSec))),
  fmt(median(rs.map((r) => r.cpuSeconds.total ?? NaN)), 1),
  mb(median(rs.map((r) => r.totalRssKb))),
];
log('\n## Throughput (medians)\n');
log(
  table(
    ['system', 'runs', 'accepted msg/s', 'end-to-end msg/s', 'CPU s', 'peak RSS MB'],
    [
      ...(results.sinkOnly ? [row('smtp-source → smtp-sink (bound)', [results.sinkOnly])] : []),
      row(ms[0]?.system ?? 'mailsort', ms),
      ...(a0.length ? [row(`${BASELINE_LABEL} ${baseline!.sha.slice(0, 12)}`, a0)] : []),
      ...(pf.length ? [row('postfix', pf)] : []),
      ...(hk.length ? [row(`haraka ${harakaVersion}`, hk)] : []),
    ],
  ),
);
if (pf.length && ms.length) {
  const ratios = ms.map((m, i) => (pf[i] ? m.endToEndPerSec / pf[i]!.endToEndPerSec : NaN));
  log(
    `\nend-to-end ratio mailsort/postfix: median ${fmt(median(ratios), 2)}× (per round: ${ratios.map((r) => fmt(r, 2)).join(', ')}); accepted ratio ${fmt(median(ms.map((m) => m.acceptedPerSec)) / median(pf.map((p) => p.acceptedPerSec)), 2)}×`,
  );
}
if (hk.length && ms.length) {
  const ratios = ms.map((m, i) => (hk[i] ? m.endToEndPerSec / hk[i]!.endToEndPerSec : NaN));
  log(
    `end-to-end ratio mailsort/haraka: median ${fmt(median(ratios), 2)}× (per round: ${ratios.map((r) => fmt(r, 2)).join(', ')}); accepted ratio ${fmt(median(ms.map((m) => m.acceptedPerSec)) / median(hk.map((p) => p.acceptedPerSec)), 2)}×`,
  );
}
const failed = [...results.rounds, ...results.scaling].filter((r) => r.error);
for (const f of failed) log(`FAILED ${f.system}: ${f.error}`);
if (ms.length) {
  log('\n## Peak RSS per process (MB, max over runs)\n');
  const peak = (rs: RunResult[]) => {
    const all: Record<string, number> = {};
    for (const r of rs) for (const [k, v] of Object.entries(r.peakRssKb)) all[k] = Math.max(all[k] ?? 0, v);
    return Object.entries(all)
      .map(([k, v]) => `${k} ${mb(v)}`)
      .join(', ');
  };
  log(`mailsort: ${peak(ms)}`);
  if (a0.length) log(`baseline: ${peak(a0)}`);
  if (pf.length) log(`postfix:  ${peak(pf)} (peak of the summed PSS ${mb(median(pf.map((p) => p.totalRssKb)))})`);
  if (hk.length) log(`haraka:   ${peak(hk)} (peak of the summed PSS ${mb(median(hk.map((p) => p.totalRssKb)))})`);
  log('\n## mailsort CPU seconds per process (median)\n');
  log(
    Object.keys(ms[0]!.cpuSeconds)
      .map((k) => `${k} ${fmt(median(ms.map((m) => m.cpuSeconds[k] ?? NaN)), 2)}`)
      .join(', '),
  );
  log('\n## Redis commands per message (median)\n');
  log(
    Object.keys(ms[0]!.redisCommandsPerMessage ?? {})
      .map((k) => `${k} ${fmt(median(ms.map((m) => m.redisCommandsPerMessage?.[k] ?? NaN)), 2)}`)
      .join(', '),
  );
}
if (results.scaling.length) {
  log('\n## Scaling (senders)\n');
  log(
    table(
      ['system', 'accepted msg/s', 'end-to-end msg/s', 'CPU s'],
      results.scaling.map((r) => [r.system, fmt(r.acceptedPerSec), fmt(r.endToEndPerSec), fmt(r.cpuSeconds.total ?? NaN, 1)]),
    ),
  );
}
if (Object.keys(results.latency).length) {
  log(`\n## Latency: 250 at the client → end of DATA at the sink, ${values['latency-rate']} msg/s for ${values['latency-seconds']} s after a ${WARMUP_SECONDS} s warm-up\n`);
  log(
    table(
      ['system', 'sent', 'accepted', 'delivered', 'p50 ms', 'p99 ms', 'max ms'],
      Object.entries(results.latency).map(([k, l]) => [k, String(l.sent), String(l.accepted), String(l.delivered), fmt(l.p50Ms, 1), fmt(l.p99Ms, 1), fmt(l.maxMs, 1)]),
    ),
  );
}
log('\n## Issue 16: each figure, its must-level, and whether this run meets it\n');
const figures = verdicts({
  mailsort: ms,
  baseline: a0,
  postfix: pf,
  haraka: hk,
  latency: results.latency,
  ...(baseline ? {} : { baselineNote: 'not run (no --baseline REV)' }),
});
log(
  table(
    ['figure', 'measured', 'must', 'holds'],
    figures.map((f) => [f.figure, f.measured, f.must, f.holds]),
  ),
);
log(`\nraw results: ${join(root, 'results.json')}`);
if (!values.profile && !skip.has('postfix')) postfix.remove();
haraka?.remove();
