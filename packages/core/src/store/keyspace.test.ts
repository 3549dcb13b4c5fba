import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newMessageId } from '../ids.js';
import { lifecycleKeys } from '../message-state/lifecycle-keys.js';
import { jobId } from '../queues/catalogue.js';
import { storeKeys } from './keys.js';
import { createKeyspace, shardOfId } from './keyspace.js';

// Redis Cluster's key → slot: CRC16/XMODEM of the hash tag (the first non-empty {…}) or of the whole key, mod 16384.
function crc16(text: string): number {
  let crc = 0;
  for (const byte of Buffer.from(text)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function slot(key: string): number {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  return crc16(close > open + 1 ? key.slice(open + 1, close) : key) % 16384;
}

test('the slot function agrees with Redis Cluster on known keys', () => {
  // Values from the Redis Cluster specification and `CLUSTER KEYSLOT`.
  assert.equal(crc16('123456789'), 0x31c3);
  assert.equal(slot('foo'), 12182);
  assert.equal(slot('{user1000}.following'), slot('{user1000}.followers'));
});

test('shardOfId reads the shard of the message id an id embeds', () => {
  const base = 'M000000000ABCDEFGHJK';
  const table: Array<{ id: string; shard: number }> = [
    { id: base, shard: 0 },
    { id: `${base}-s2`, shard: 2 },
    { id: `${base}-s17`, shard: 17 },
    { id: jobId('route', `${base}-s2`), shard: 2 },
    { id: jobId('deliver', `${base}-s2`, 0), shard: 2 },
    { id: jobId('deliver', `${base}-s2`, 'group'), shard: 2 },
    { id: jobId('deliver', `${base}-s1`, 12), shard: 1 },
    { id: `n-${jobId('deliver', `${base}-s3`, 0)}`, shard: 3 },
    { id: `gabc123-${base}-s2-4-0`, shard: 2 },
    { id: jobId('deliver', `gabc123-${base}-s2-4-0`, 1), shard: 2 },
    { id: jobId('deliver', base, 0), shard: 0 },
    { id: 'bucket-1234', shard: 0 },
    { id: `${base}-s0`, shard: 0 },
    { id: jobId('deliver', `${base}-s63`, 0), shard: 63 },
    // No config makes shard 64 or beyond (redis.shards is at most 64): a typed id naming one is shard 0's to not find.
    { id: jobId('deliver', `${base}-s64`, 0), shard: 0 },
    { id: jobId('deliver', `${base}-s99999999999999999999`, 0), shard: 0 },
  ];
  for (const { id, shard } of table) assert.equal(shardOfId(id), shard, id);
});

test('with one shard and no cluster every key keeps the name it had before shards', () => {
  const id = 'M000000000ABCDEFGHJK';
  const plain = storeKeys('mailsort');
  const same = storeKeys(createKeyspace({ prefix: 'mailsort', shards: 1 }));
  const table: Array<[string, string]> = [
    [plain.message(id), 'mailsort:msg:M000000000ABCDEFGHJK'],
    [plain.pending(id), 'mailsort:msg:M000000000ABCDEFGHJK:pending'],
    [plain.finished(id), 'mailsort:msg:M000000000ABCDEFGHJK:finished'],
    [plain.trace(id), 'mailsort:trace:M000000000ABCDEFGHJK'],
    [plain.delivered('d-M000000000ABCDEFGHJK-0'), 'mailsort:delivered:d-M000000000ABCDEFGHJK-0'],
    [plain.deliveryState('d-M000000000ABCDEFGHJK-0'), 'mailsort:delivery:d-M000000000ABCDEFGHJK-0'],
    [plain.notificationCreated(id), 'mailsort:notification:M000000000ABCDEFGHJK:created'],
    [plain.alertGroup('g1'), 'mailsort:alert-group:g1'],
    [plain.alertGroupsDue(), 'mailsort:alert-groups:due'],
    [plain.gocdGroups(), 'mailsort:gocd:groups'],
    [plain.authLockout('10.0.0.1'), 'mailsort:ingest:auth-lockout:10.0.0.1'],
    [plain.canaryLast(), 'mailsort:canary:last'],
  ];
  for (const [actual, expected] of table) assert.equal(actual, expected);
  assert.equal(same.message(id), plain.message(id));
  assert.equal(same.alertGroupsDue(), plain.alertGroupsDue());
  assert.equal(createKeyspace({ prefix: 'mailsort' }).shardPrefix(0), 'mailsort');
});

// The keys BullMQ's scripts take for a queue: all `<prefix>:<queue>:<suffix>` (and the job's hash).
const bullmqKeys = (prefix: string, queue: string, job: string) =>
  ['wait', 'active', 'paused', 'meta', 'id', 'delayed', 'prioritized', 'completed', 'failed', 'events', 'marker', 'pc', 'stalled', job].map((part) => `${prefix}:${queue}:${part}`);

for (const shards of [1, 3]) {
  test(`on a Redis Cluster with ${shards} shard(s) every multi-key operation stays in one slot`, () => {
    const keyspace = createKeyspace({ prefix: 'mailsort', shards, cluster: true });
    const keys = storeKeys(keyspace);
    const ops = lifecycleKeys(keys);
    const slotsOf = (name: string, list: readonly string[]) => {
      const slots = new Set(list.map(slot));
      assert.equal(slots.size, 1, `${name}: ${list.join(' ')}`);
      return [...slots][0]!;
    };
    const globalSlot = slot(`${keyspace.global}:x`);
    const shardSlots = new Set<number>();
    for (let shard = 0; shard < shards; shard++) {
      const id = newMessageId(Date.now(), shard);
      const delivery = jobId('deliver', id, 0);
      const part = jobId('deliver', id, 'group');
      const notice = `n-${delivery}`;
      const notification = `g0123abcd-${id}-3-0`;
      const perMessage: Array<[string, string[]]> = [
        ['accept + route job', [...ops.accept(id), ...bullmqKeys(keyspace.prefixOf(id), 'route', jobId('route', id))]],
        ['withdraw', ops.withdraw(id)],
        ['route + deliver jobs', [...ops.route(id), ...bullmqKeys(keyspace.prefixOf(delivery), 'deliver', delivery)]],
        ['begin', ops.begin(id, delivery)],
        ['defer', ops.defer(delivery)],
        ['deliver', ops.deliver(id, delivery)],
        ['deadLetter', ops.deadLetter(id, delivery)],
        ['retry', ops.retry(id, delivery)],
        ['delete', ops.delete(id, delivery)],
        ['fold', ops.fold(id, part)],
        ['replay', ops.replay(id, [delivery, jobId('deliver', id, 1)])],
        ['create notice + its jobs', [...ops.create(notice), ...bullmqKeys(keyspace.prefixOf(notice), 'deliver', jobId('deliver', notice, 0))]],
        ['create notification + its jobs', [...ops.create(notification), ...bullmqKeys(keyspace.prefixOf(notification), 'deliver', jobId('deliver', notification, 0))]],
        ['fold of a notification part', ops.fold(notification, jobId('deliver', notification, 'group'))],
      ];
      const slots = new Set(perMessage.map(([name, list]) => slotsOf(name, list)));
      assert.equal(slots.size, 1, `shard ${shard}: every operation of its messages in one slot`);
      shardSlots.add([...slots][0]!);
      assert.equal(slot(bullmqKeys(keyspace.shardPrefix(shard), 'route', 'x')[0]!), [...slots][0], `shard ${shard}'s queues share its messages' slot`);
    }
    const global: Array<[string, string[]]> = [
      ['alert group compare-and-set', [keys.alertGroup('g1'), keys.alertGroupsDue()]],
      ['flood admit', [`${keyspace.global}:flood:b:1:admitted`, `${keyspace.global}:flood:b:2:held`, `${keyspace.global}:flood:open`, `${keyspace.global}:flood:b:destination`]],
      ['canary done', [keys.canaryDone('p1'), keys.canaryProbe('p1')]],
      ['dead-letter notice rates', [keys.escalationRate('mailto-a@x', 1), keys.escalationRate('webhook-ab12', 1)]],
      ['auth lockout', [keys.authFailures('10.0.0.1'), keys.authChecks('10.0.0.1'), keys.authLockout('10.0.0.1')]],
      ['gocd stage results', [keys.gocdStageResults(), keys.gocdGroups()]],
      ['expectations', [keys.expectSeen('e'), keys.expectAlerts('e')]],
      ['timed queues', [...bullmqKeys(keyspace.global, 'alert-flush', 'f-g1-1'), ...bullmqKeys(keyspace.global, 'flood-digest', 'x-b-1')]],
    ];
    for (const [name, list] of global) assert.equal(slotsOf(name, list), globalSlot, name);
    assert.equal(shardSlots.size, shards, 'each shard is a slot of its own (a cluster can put them on different masters)');
    assert.ok(shardSlots.has(globalSlot), 'shard 0 shares the global slot');
  });
}

test('a cluster tags shard 0 and the global keys too; other shards are tagged everywhere', () => {
  assert.equal(createKeyspace({ prefix: 'mailsort', shards: 1, cluster: true }).shardPrefix(0), '{mailsort}');
  assert.equal(createKeyspace({ prefix: 'mailsort', shards: 3, cluster: true }).shardPrefix(2), '{mailsort-s2}');
  assert.equal(createKeyspace({ prefix: 'mailsort', shards: 3 }).shardPrefix(2), '{mailsort-s2}');
  assert.equal(createKeyspace({ prefix: 'mailsort', shards: 3 }).global, 'mailsort');
  // A message of a shard above K (K was lowered) keeps its keys where they are.
  assert.equal(createKeyspace({ prefix: 'mailsort', shards: 1 }).prefixOf('M000000000ABCDEFGHJK-s4'), '{mailsort-s4}');
});
