import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { testRedis, uniquePrefix } from '../../../../test/support/redis.js';
import { rate } from '../config/units.js';
import type { Destination } from '../queues/payloads.js';
import { digestAlerts, floodBucket, floodWindow } from './flood-bucket.js';
import { createFloodStore } from './flood-store.js';
import type { HeldForDigest, RouteFloodControl } from './flood-types.js';

const redis = testRedis();
after(() => redis.disconnect());

test('a rate reads as "N per DURATION" (or N/DURATION); nonsense, zero and sub-second windows are refused', () => {
  assert.deepEqual(rate.parse('20 per 10m'), { count: 20, perMs: 600_000 });
  assert.deepEqual(rate.parse('5/30s'), { count: 5, perMs: 30_000 });
  for (const bad of ['twenty per minute', '0 per 1m', '20 per 100ms', '20', 'per 1m']) assert.equal(rate.safeParse(bad).success, false, bad);
});

const control = (per: 'destination' | 'route', routeId = 'team/all'): RouteFloodControl => ({ routeId, settings: { limit: { count: 2, perMs: 60_000 }, per, attach_max: 20 }, bypass: null });
const team = (from: string): Destination => ({ kind: 'smtp', upstream: 'default', envelope: { from, to: ['b@example.com', 'a@example.com'] }, rewrites: { set: { From: from }, remove: [] } });

test('one bucket per destination whoever sent the mail; per: route splits it by route', () => {
  assert.equal(floodBucket(control('destination'), team('nagios@mon')), floodBucket(control('destination', 'other/rule'), team('gocd@ci')));
  assert.notEqual(floodBucket(control('route'), team('x@y')), floodBucket(control('route', 'other/rule'), team('x@y')));
  assert.deepEqual(floodWindow(60_000, 125_000), { window: 2, endsAt: 180_000 });
});

const held = (id: string, at: number, key: string, severity: HeldForDigest['severity'], status: HeldForDigest['status'] = 'firing'): HeldForDigest => ({
  id,
  deliveryId: `d-${id}-0`,
  at,
  subject: `s ${id}`,
  key,
  source: 'generic',
  status,
  severity,
  summary: `s ${id}`,
});

test('a digest counts each alert once: its mails, first and last seen, worst severity, latest status', () => {
  const alerts = digestAlerts([held('3', 30, 'k1', 'warning', 'resolved'), held('1', 10, 'k1', 'critical'), held('2', 20, 'k2', 'error')]);
  assert.deepEqual(
    alerts.map(({ key, count, firstSeen, lastSeen, severity, status }) => ({ key, count, firstSeen, lastSeen, severity, status })),
    [
      { key: 'k1', count: 2, firstSeen: 10, lastSeen: 30, severity: 'critical', status: 'resolved' },
      { key: 'k2', count: 1, firstSeen: 20, lastSeen: 20, severity: 'error', status: 'firing' },
    ],
  );
});

test('the bucket admits the limit, holds the rest, answers a re-run the same, and a closed window sends later mail to the next', async () => {
  const store = createFloodStore(redis, uniquePrefix('flood'));
  const admit = (id: string, bypass = false) =>
    store.admit({
      bucket: 'b1',
      window: 7,
      perMs: 60_000,
      deliveryId: `d-${id}-0`,
      limit: 2,
      bypass,
      held: held(id, 1, 'k', 'error'),
      digest: { destination: team('mailsort@relay'), attachMax: 20, perMs: 60_000, limit: '2 per 1m' },
    });
  assert.deepEqual(
    (await Promise.all(['a', 'b'].map((id) => admit(id)))).map((result) => result.decision),
    ['admitted', 'admitted'],
  );
  assert.deepEqual(await admit('c'), { decision: 'held', window: 7 });
  assert.deepEqual(await admit('c'), { decision: 'held', window: 7 }, 'a re-run is held again, not counted twice');
  assert.deepEqual(await admit('a'), { decision: 'admitted', window: 7 });
  assert.deepEqual(await admit('d', true), { decision: 'bypassed', window: 7 });
  assert.deepEqual(await store.heldNow(), { mails: 1, buckets: 1 });
  assert.equal((await store.destination('b1'))?.limit, '2 per 1m', 'a held mail records where the digest goes');
  assert.deepEqual(
    (await store.close('b1', 7, 60_000)).map((mail) => mail.id),
    ['c'],
  );
  assert.deepEqual(await admit('e'), { decision: 'admitted', window: 8 }, 'after its digest the window takes nothing: the next one does');
});

test('regression: one team however its addresses are spelt or ordered (mixed case, duplicates) is one bucket', () => {
  const spelt = (to: string[]): Destination => ({ kind: 'smtp', upstream: 'default', envelope: { from: 'x@y', to } });
  const buckets = [
    ['a@example.com', 'b@example.com'],
    ['B@Example.COM', 'A@example.com'],
    ['a@EXAMPLE.com', 'b@example.com', 'A@example.com'],
  ].map((to) => floodBucket(control('destination'), spelt(to)));
  assert.equal(new Set(buckets).size, 1);
});
