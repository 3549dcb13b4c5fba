import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Counter, Gauge, Registry } from 'prom-client';
import { consoleKeys } from './keys.js';
import { rateDeltas, rateTotals, type CounterReading, type RateSeries } from './rates.js';

export const RATE_SAMPLE_MS = 5000;
/** A minute's samples outlive the console's one-hour chart. */
const MINUTE_TTL_MS = 2 * 3_600_000;
const RATE_COUNTERS = ['mailsort_ingest_messages_accepted_total', 'mailsort_messages_finished_total'];
const BREAKER_GAUGE = 'mailsort_sender_upstream_breaker_open';

/**
 * Every process writes what its own counters grew by into the current minute's hash, every
 * few seconds and only when something grew: one pipeline per process per interval, nothing
 * per message. The console charts the sums, so it works without Prometheus.
 */
export function startRateSampler({ registry, redis, prefix, logger, intervalMs = RATE_SAMPLE_MS }: { registry: Registry; redis: Redis; prefix: string; logger: Logger; intervalMs?: number }) {
  const keys = consoleKeys(prefix);
  const instance = `${hostname()}:${process.pid}`;
  let previous: Partial<Record<RateSeries, number>> = {};
  let pending: Partial<Record<RateSeries, number>> = {};

  async function readings(): Promise<CounterReading[]> {
    const found: CounterReading[] = [];
    for (const name of RATE_COUNTERS) {
      const metric = registry.getSingleMetric(name) as Counter | undefined;
      if (metric) found.push({ name, values: (await metric.get()).values });
    }
    return found;
  }

  async function sample(): Promise<void> {
    const totals = rateTotals(await readings());
    const deltas = rateDeltas(previous, totals);
    previous = { ...previous, ...totals };
    for (const [series, value] of Object.entries(deltas) as Array<[RateSeries, number]>) pending[series] = (pending[series] ?? 0) + value;
    const breaker = registry.getSingleMetric(BREAKER_GAUGE) as Gauge | undefined;
    const breakers = breaker ? (await breaker.get()).values : [];
    if (Object.keys(pending).length === 0 && breakers.length === 0) return;
    const key = keys.rateMinute(Math.floor(Date.now() / 60_000));
    const multi = redis.multi();
    for (const [series, value] of Object.entries(pending)) multi.hincrby(key, series, value);
    if (Object.keys(pending).length > 0) multi.pexpire(key, MINUTE_TTL_MS);
    for (const { labels, value } of breakers) multi.hset(keys.breakers(), `${labels.upstream}|${instance}`, JSON.stringify({ open: value === 1, at: Date.now() }));
    const sent = pending;
    pending = {};
    try {
      await multi.exec();
    } catch (error) {
      // Kept for the next interval: a Redis outage delays the chart, it does not lose counts.
      for (const [series, value] of Object.entries(sent) as Array<[RateSeries, number]>) pending[series] = (pending[series] ?? 0) + value;
      throw error;
    }
  }

  const run = () => sample().catch((error: Error) => logger.debug({ code: 'RATE_SAMPLE_FAILED', err: error.message }, 'rate sample not written; retried next interval'));
  // The counters start where they are: a process counts from its own start.
  void readings().then((found) => {
    previous = rateTotals(found);
  });
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return {
    /** The last sample, written before Redis closes. */
    async stop(): Promise<void> {
      clearInterval(timer);
      await run();
    },
  };
}
