import type { LatencyResult } from './latency.js';
import { fmt, mb, median } from './report.js';
import type { RunResult } from './throughput.js';

/** What one bench run measured, by system; a system not run is an empty list. */
export interface Measured {
  mailsort: RunResult[];
  baseline: RunResult[];
  postfix: RunResult[];
  haraka: RunResult[];
  latency: Record<string, LatencyResult>;
  /** Why the CPU A/B was not run (no --baseline), if it was not. */
  baselineNote?: string;
}

export interface Verdict {
  figure: string;
  measured: string;
  must: string;
  holds: 'yes' | 'NO' | 'not run';
}

const holds = (ok: boolean | undefined): Verdict['holds'] => (ok === undefined ? 'not run' : ok ? 'yes' : 'NO');
const SERVICE = /^(ingest|router|sender)/;

/** Round i's end-to-end ratio of mailsort to a peer (rounds alternate, so the i-th runs pair up). */
function ratios(ms: RunResult[], peer: RunResult[]): number[] {
  return ms.map((m, i) => (peer[i] ? m.endToEndPerSec / peer[i]!.endToEndPerSec : NaN)).filter(Number.isFinite);
}

/** The figures of issue 16's table, each with its must-level and whether this run meets it. */
export function verdicts(m: Measured): Verdict[] {
  const out: Verdict[] = [];
  const commands = median(m.mailsort.map((r) => r.redisCommandsPerMessage?.total ?? NaN));
  out.push({ figure: 'Redis commands per delivered message', measured: fmt(commands, 1), must: '≤ 40', holds: holds(Number.isFinite(commands) ? commands <= 40 : undefined) });

  const cpu = median(m.mailsort.map((r) => r.cpuSeconds.total ?? NaN));
  const base = median(m.baseline.map((r) => r.cpuSeconds.total ?? NaN));
  const share = cpu / base;
  out.push({
    figure: 'mailsort CPU s (all processes incl. Redis) vs the baseline',
    measured: Number.isFinite(share) ? `${fmt(cpu, 1)} s vs ${fmt(base, 1)} s = ${fmt(share * 100)} %` : `${fmt(cpu, 1)} s; baseline ${m.baselineNote ?? 'not run'}`,
    must: '≤ 55 %',
    holds: holds(Number.isFinite(share) ? share <= 0.55 : undefined),
  });

  const peaks: Record<string, number> = {};
  for (const r of m.mailsort) for (const [k, v] of Object.entries(r.peakRssKb)) if (SERVICE.test(k)) peaks[k] = Math.max(peaks[k] ?? 0, v);
  const worst = Math.max(...Object.values(peaks));
  out.push({
    figure: 'peak RSS per service process',
    measured: Object.keys(peaks).length
      ? `${Object.entries(peaks)
          .map(([k, v]) => `${k} ${mb(v)}`)
          .join(', ')} MB`
      : '—',
    must: '≤ 100 MB each',
    holds: holds(Object.keys(peaks).length ? worst <= 100 * 1024 : undefined),
  });

  const pf = ratios(m.mailsort, m.postfix);
  out.push({
    figure: 'end to end vs Postfix, per round',
    measured: pf.length ? pf.map((r) => `${fmt(r, 2)}×`).join(', ') : 'not run',
    must: '≥ 2.0× every round',
    holds: holds(pf.length ? pf.every((r) => r >= 2) : undefined),
  });
  const hk = ratios(m.mailsort, m.haraka);
  out.push({
    figure: 'end to end vs Haraka, median of rounds',
    measured: hk.length ? `${fmt(median(hk), 2)}× (${hk.map((r) => fmt(r, 2)).join(', ')})` : 'not run',
    must: '≥ 1.5×',
    holds: holds(hk.length ? median(hk) >= 1.5 : undefined),
  });

  for (const [name, label] of [
    ['mailsort', 'p99 accept→delivered at the latency rate'],
    ['mailsort-grouping', 'the same with alert grouping on (group_wait 0)'],
  ] as const) {
    const l = m.latency[name];
    const ok = l && l.delivered === l.accepted && l.accepted === l.sent;
    out.push({
      figure: label,
      measured: l ? `${fmt(l.p99Ms, 1)} ms (${l.delivered}/${l.sent} delivered)` : 'not run',
      must: '< 10 ms, every message delivered',
      holds: holds(l ? Boolean(ok) && l.p99Ms < 10 : undefined),
    });
  }
  return out;
}
