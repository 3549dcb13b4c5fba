import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IngestConfig } from '@mailsort/core';
import { connectionRefusal, dataTooSlow, reservedForTrusted } from './connection-limits.js';

const limits = {
  max_connections: 10,
  max_connections_per_client: 3,
  limit_trusted_clients: false,
  reserved_for_trusted: 2,
  min_data_rate: 100,
  data_rate_grace: 1000,
} as IngestConfig['limits'];

const cases: Array<{ name: string; fromClient: number; untrusted: number; total?: number; trusted: boolean; limits?: Partial<IngestConfig['limits']>; expected: string | undefined }> = [
  { name: 'an untrusted client under its cap', fromClient: 2, untrusted: 5, trusted: false, expected: undefined },
  { name: 'an untrusted client at its cap', fromClient: 3, untrusted: 3, trusted: false, expected: 'per_client' },
  { name: 'a trusted client past the per-client cap (exempt)', fromClient: 9, untrusted: 8, trusted: true, expected: undefined },
  { name: 'a trusted client past the cap with limit_trusted_clients', fromClient: 3, untrusted: 0, trusted: true, limits: { limit_trusted_clients: true }, expected: 'per_client' },
  { name: 'an untrusted client when untrusted ones fill all but the reserved slots', fromClient: 0, untrusted: 8, trusted: false, expected: 'untrusted_slots' },
  { name: 'a trusted client when untrusted ones fill all but the reserved slots', fromClient: 0, untrusted: 8, trusted: true, expected: undefined },
  { name: 'a trusted client when max_connections sessions are open', fromClient: 0, untrusted: 2, total: 10, trusted: true, expected: 'max_connections' },
  { name: 'the default reserve is a tenth', fromClient: 0, untrusted: 9, trusted: false, limits: { reserved_for_trusted: undefined }, expected: 'untrusted_slots' },
];

for (const { name, fromClient, untrusted, total, trusted, limits: overrides, expected } of cases) {
  test(`connection limits: ${name} → ${expected ?? 'greeted'}`, () => {
    assert.equal(connectionRefusal({ fromClient, untrusted, total: total ?? untrusted }, trusted, { ...limits, ...overrides })?.reason, expected);
  });
}

test('reserved_for_trusted defaults to a tenth of max_connections', () => {
  assert.equal(reservedForTrusted({ ...limits, reserved_for_trusted: undefined, max_connections: 1000 }), 100);
});

const rates: Array<{ name: string; bytes: number; elapsedMs: number; min?: number; expected: boolean }> = [
  { name: 'within the grace, however slow', bytes: 0, elapsedMs: 999, expected: false },
  { name: 'past the grace, below the minimum', bytes: 150, elapsedMs: 2000, expected: true },
  { name: 'past the grace, at the minimum', bytes: 200, elapsedMs: 2000, expected: false },
  { name: 'no minimum configured', bytes: 0, elapsedMs: 60_000, min: 0, expected: false },
];

for (const { name, bytes, elapsedMs, min, expected } of rates) {
  test(`DATA rate: ${name} → ${expected ? 'cut off' : 'carries on'}`, () => {
    assert.equal(dataTooSlow(bytes, elapsedMs, { min_data_rate: min ?? limits.min_data_rate, data_rate_grace: limits.data_rate_grace }), expected);
  });
}
