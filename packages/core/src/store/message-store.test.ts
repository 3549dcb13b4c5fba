import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { deletePrefix, testRedis, uniquePrefix } from '../../../../test/support/redis.js';
import { createDeliveryStates } from './delivery-state.js';
import { createMessageStore } from './message-store.js';

const redis = testRedis();
const prefix = uniquePrefix('message-store');
after(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

test('stores any bytes and gives back exactly the same bytes', async () => {
  const store = createMessageStore(redis, prefix, 60_000);
  const raw = Buffer.concat([Buffer.from('Subject: x\r\n\r\n'), randomBytes(4096), Buffer.from([0, 0xff, 0x0d, 0x0a, 0x2e])]);
  await store.put('M1', raw);
  assert.deepEqual(await store.get('M1'), raw);
});

test('a stored message expires on its own as a safety net', async () => {
  const store = createMessageStore(redis, prefix, 60_000);
  await store.put('M2', Buffer.from('x'));
  const ttl = await redis.pttl(`${prefix}:msg:M2`);
  assert.ok(ttl > 50_000 && ttl <= 60_000, `ttl ${ttl}`);
});

test('the message is deleted when the last of its deliveries finishes, however often one is counted', async () => {
  const store = createMessageStore(redis, prefix, 60_000);
  const states = createDeliveryStates(redis, prefix, 60_000);
  await store.put('M3', Buffer.from('x'));
  await store.expectDeliveries('M3', 2);
  assert.deepEqual(await states.finish('M3', 'd-M3-0'), { left: 1, counted: true });
  assert.deepEqual(await states.finish('M3', 'd-M3-0'), { left: 1, counted: false }, 'a re-run of the same delivery is not counted twice');
  assert.equal(await store.exists('M3'), true);
  assert.deepEqual(await states.finish('M3', 'd-M3-1'), { left: 0, counted: true });
  assert.equal(await store.exists('M3'), false);
  assert.equal(await redis.exists(`${prefix}:msg:M3:pending`), 0);
});

test('expecting zero deliveries (a dropped message) deletes it at once', async () => {
  const store = createMessageStore(redis, prefix, 60_000);
  await store.put('M4', Buffer.from('x'));
  await store.expectDeliveries('M4', 0);
  assert.equal(await store.exists('M4'), false);
});

test('a message stored in parts reads back as the parts joined, with the expiry', async () => {
  const store = createMessageStore(redis, prefix, 60_000);
  const parts = [Buffer.from('Received: x\r\n'), randomBytes(70_000), Buffer.from([0, 0x0d]), randomBytes(3)];
  await store.put('M5', parts);
  assert.deepEqual(await store.get('M5'), Buffer.concat(parts));
  assert.ok((await redis.pttl(`${prefix}:msg:M5`)) > 50_000);
});
