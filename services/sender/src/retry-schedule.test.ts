import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextRetry } from './retry-schedule.js';

const MIN = 60_000;
const policy = { schedule: [1 * MIN, 5 * MIN, 15 * MIN, 30 * MIN, 60 * MIN], maxLifetimeMs: 24 * 60 * MIN };

const cases = [
  { name: 'the first failure waits the first delay', attempts: 1, elapsed: 0, expected: { retry: true, delayMs: 1 * MIN } },
  { name: 'the third failure waits the third delay', attempts: 3, elapsed: 6 * MIN, expected: { retry: true, delayMs: 15 * MIN } },
  { name: 'past the schedule the last delay repeats', attempts: 40, elapsed: 10 * 60 * MIN, expected: { retry: true, delayMs: 60 * MIN } },
  { name: 'the last retry is pulled in to the lifetime edge', attempts: 30, elapsed: 24 * 60 * MIN - 10 * MIN, expected: { retry: true, delayMs: 10 * MIN } },
  { name: 'a delivery past its lifetime expires', attempts: 31, elapsed: 24 * 60 * MIN, expected: { retry: false, reason: 'expired' } },
] as const;

for (const { name, attempts, elapsed, expected } of cases) {
  test(`retry schedule: ${name}`, () => assert.deepEqual(nextRetry(policy, attempts, 1_000_000, 1_000_000 + elapsed), expected));
}

test('the default delivery schedule is Postfix-like: minutes growing to an hour, for 24 hours', async () => {
  const { configSchema } = await import('@mailsort/core');
  const { delivery } = configSchema.parse({ upstreams: [{ name: 'default', host: 'h' }] });
  assert.deepEqual(delivery.retry, [1 * MIN, 5 * MIN, 15 * MIN, 30 * MIN, 60 * MIN]);
  assert.equal(delivery.max_lifetime, 24 * 60 * MIN);
  assert.deepEqual(configSchema.parse({ upstreams: [{ name: 'default', host: 'h' }], delivery: { retry: ['200ms', 1] } }).delivery.retry, [200, 1000]);
});
