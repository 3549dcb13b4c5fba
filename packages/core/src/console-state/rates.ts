/** The four rates the console charts, in the order it draws them. */
export const RATE_SERIES = ['accepted', 'delivered', 'dropped', 'dead'] as const;
export type RateSeries = (typeof RATE_SERIES)[number];

/** A counter's labelled values, as prom-client's `get()` returns them. */
export interface CounterReading {
  name: string;
  values: ReadonlyArray<{ value: number; labels: Record<string, string | number | undefined> }>;
}

/** Which counter (and label) feeds which rate: accepted by ingest, and the message outcomes. */
export function rateTotals(readings: readonly CounterReading[]): Partial<Record<RateSeries, number>> {
  const totals: Partial<Record<RateSeries, number>> = {};
  const add = (series: RateSeries, value: number) => {
    totals[series] = (totals[series] ?? 0) + value;
  };
  for (const reading of readings) {
    for (const { value, labels } of reading.values) {
      if (reading.name === 'mailsort_ingest_messages_accepted_total') add('accepted', value);
      if (reading.name !== 'mailsort_messages_finished_total') continue;
      if (labels.outcome === 'delivered') add('delivered', value);
      else if (labels.outcome === 'dropped') add('dropped', value);
      else if (labels.outcome === 'failed') add('dead', value);
    }
  }
  return totals;
}

/** What grew since the last sample (a restart's counter reset counts from zero again). */
export function rateDeltas(previous: Partial<Record<RateSeries, number>>, now: Partial<Record<RateSeries, number>>): Partial<Record<RateSeries, number>> {
  const deltas: Partial<Record<RateSeries, number>> = {};
  for (const series of RATE_SERIES) {
    const value = now[series];
    if (value === undefined) continue;
    const before = previous[series] ?? 0;
    const delta = value >= before ? value - before : value;
    if (delta > 0) deltas[series] = delta;
  }
  return deltas;
}

export interface RateMinute {
  /** The minute's start (ms). */
  at: number;
  counts: Record<RateSeries, number>;
}

/** The last `minutes` minutes up to `now`, oldest first, a zero for a minute nobody wrote. */
export function rateWindow(hashes: ReadonlyArray<Record<string, string> | null>, firstMinute: number): RateMinute[] {
  return hashes.map((hash, index) => {
    const counts = Object.fromEntries(RATE_SERIES.map((series) => [series, Number(hash?.[series] ?? 0) || 0])) as Record<RateSeries, number>;
    return { at: (firstMinute + index) * 60_000, counts };
  });
}
