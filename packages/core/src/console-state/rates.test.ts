import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rateDeltas, rateTotals, rateWindow, type CounterReading } from './rates.js';

const finished = (values: Array<[string, number]>): CounterReading => ({
  name: 'mailsort_messages_finished_total',
  values: values.map(([outcome, value]) => ({ value, labels: { outcome, reason: '' } })),
});

const TOTALS: Array<{ name: string; readings: CounterReading[]; expected: Record<string, number> }> = [
  { name: 'nothing read', readings: [], expected: {} },
  {
    name: 'accepted summed over its labels',
    readings: [
      {
        name: 'mailsort_ingest_messages_accepted_total',
        values: [
          { value: 3, labels: { via: 'trusted' } },
          { value: 2, labels: { via: 'authenticated' } },
        ],
      },
    ],
    expected: { accepted: 5 },
  },
  {
    name: 'outcomes: failed is dead, folded is none of the four',
    readings: [
      finished([
        ['delivered', 7],
        ['dropped', 1],
        ['dropped', 2],
        ['failed', 1],
        ['folded', 9],
      ]),
    ],
    expected: { delivered: 7, dropped: 3, dead: 1 },
  },
  { name: 'other counters are ignored', readings: [{ name: 'mailsort_sender_attempts_total', values: [{ value: 4, labels: {} }] }], expected: {} },
];
for (const { name, readings, expected } of TOTALS) test(`rateTotals: ${name}`, () => assert.deepEqual(rateTotals(readings), expected));

const DELTAS: Array<{ name: string; previous: Record<string, number>; now: Record<string, number>; expected: Record<string, number> }> = [
  { name: 'growth is the delta', previous: { accepted: 5 }, now: { accepted: 8 }, expected: { accepted: 3 } },
  { name: 'no growth writes nothing', previous: { accepted: 5, dead: 1 }, now: { accepted: 5, dead: 1 }, expected: {} },
  { name: 'a series seen for the first time counts whole', previous: {}, now: { delivered: 2 }, expected: { delivered: 2 } },
  { name: 'a reset counter (a restart) counts from zero', previous: { accepted: 50 }, now: { accepted: 4 }, expected: { accepted: 4 } },
];
for (const { name, previous, now, expected } of DELTAS) test(`rateDeltas: ${name}`, () => assert.deepEqual(rateDeltas(previous, now), expected));

test('rateWindow gives every minute all four series, zero where nobody wrote', () => {
  const window = rateWindow([{ accepted: '3' }, null, { delivered: '2', dead: 'x' }], 100);
  assert.deepEqual(window, [
    { at: 6_000_000, counts: { accepted: 3, delivered: 0, dropped: 0, dead: 0 } },
    { at: 6_060_000, counts: { accepted: 0, delivered: 0, dropped: 0, dead: 0 } },
    { at: 6_120_000, counts: { accepted: 0, delivered: 2, dropped: 0, dead: 0 } },
  ]);
});
