import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { deletePrefix, testRedis, uniquePrefix } from '../../../../test/support/redis.js';
import { createDeliveryStates, type AttemptRecord } from '../store/delivery-state.js';
import { storeKeys } from '../store/keys.js';
import { createMessageStore } from '../store/message-store.js';
import { createTraceStore } from '../store/trace-store.js';
import { createMessageLifecycle } from './message-lifecycle.js';

const redis = testRedis();
const prefix = uniquePrefix('message-lifecycle');
const keys = storeKeys(prefix);
const lifecycle = createMessageLifecycle(redis, { prefix, messageTtlMs: 60_000, traceTtlMs: 120_000 });
const store = createMessageStore(redis, prefix);
const states = createDeliveryStates(redis, prefix);
const traces = createTraceStore(redis, prefix);
after(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

const accepted = (to = 'a@x'): AttemptRecord => ({
  at: 1,
  upstream: 'corp',
  reply: '250 ok',
  result: 'delivered',
  recipients: { [to]: { status: 'accepted', reply: '250 ok', upstream: 'corp', at: 1 } },
});
const rejected: AttemptRecord = {
  at: 2,
  upstream: 'corp',
  reply: '550 no',
  reason: 'rejected',
  result: 'partial',
  recipients: { 'b@x': { status: 'rejected', reply: '550 no', upstream: 'corp', at: 2 } },
};
const sent = (event: string) => ({ at: 3, service: 'sender' as const, event });
const cli = (command: string, event: string) => ({ at: 4, service: 'cli' as const, command, event });

async function routed(id: string, count: number): Promise<void> {
  await lifecycle.accept(id, Buffer.from(`Subject: ${id}\r\n\r\nx`));
  assert.deepEqual(await lifecycle.route(id, count), { ok: true, outcome: 'routed' });
}

test('accept stores any bytes, whole or in parts, exactly, with the safety-net expiry', async () => {
  const raw = Buffer.concat([Buffer.from('Subject: x\r\n\r\n'), randomBytes(4096), Buffer.from([0, 0xff, 0x0d, 0x0a, 0x2e])]);
  await lifecycle.accept('M1', raw);
  assert.deepEqual(await store.get('M1'), raw);
  const parts = [Buffer.from('Received: x\r\n'), randomBytes(70_000), Buffer.from([0, 0x0d]), randomBytes(3)];
  await lifecycle.accept('M2', parts);
  assert.deepEqual(await store.get('M2'), Buffer.concat(parts));
  const ttl = await redis.pttl(keys.message('M2'));
  assert.ok(ttl > 50_000 && ttl <= 60_000, `ttl ${ttl}`);
});

test('route sets the count and appends the trace in one step; a re-run keeps the count; a gone message is refused', async () => {
  await lifecycle.accept('R1', Buffer.from('x'));
  assert.deepEqual(await lifecycle.route('R1', 2, { at: 1, service: 'router', event: 'routed' }), { ok: true, outcome: 'routed' });
  assert.deepEqual(await lifecycle.route('R1', 5), { ok: true, outcome: 'rerouted' });
  assert.equal(await redis.get(keys.pending('R1')), '2');
  assert.deepEqual(
    (await traces.read('R1')).map((e) => e.event),
    ['routed'],
  );
  const ttl = await redis.pttl(keys.trace('R1'));
  assert.ok(ttl > 60_000, `the trace keeps its own ttl (${ttl})`);
  assert.deepEqual(await lifecycle.route('R-never', 1), { ok: false, transition: 'route', from: 'gone' });
});

test('routing to no delivery (a drop) deletes the message at once', async () => {
  await lifecycle.accept('R2', Buffer.from('x'));
  assert.deepEqual(await lifecycle.route('R2', 0), { ok: true, outcome: 'dropped' });
  assert.equal(await store.exists('R2'), false);
});

test('the message is deleted when the last of its deliveries is delivered, however often one is counted', async () => {
  await routed('D1', 2);
  const begun = await lifecycle.begin('D1', 'd-D1-0', 100);
  assert.ok(begun.ok && 'attempt' in begun);
  assert.equal(begun.attempt.state.attempts, 1);
  assert.equal(begun.attempt.state.firstAttemptAt, 100);
  assert.equal(begun.attempt.raw?.toString(), 'Subject: D1\r\n\r\nx');
  assert.deepEqual(await lifecycle.deliver('D1', 'd-D1-0', accepted(), sent('delivered')), { ok: true, left: 1, counted: true });
  assert.deepEqual(await lifecycle.deliver('D1', 'd-D1-0', accepted(), sent('delivered')), { ok: false, transition: 'deliver', from: 'delivered' }, 'a second 250 writes nothing twice');
  assert.deepEqual(await lifecycle.begin('D1', 'd-D1-0', 200), { ok: true, delivered: { left: 1, counted: false } }, 'a re-run is not counted twice');
  assert.equal(await store.exists('D1'), true);
  await lifecycle.begin('D1', 'd-D1-1', 100);
  assert.deepEqual(await lifecycle.deliver('D1', 'd-D1-1', accepted(), sent('delivered')), { ok: true, left: 0, counted: true });
  assert.equal(await store.exists('D1'), false);
  assert.equal(await redis.exists(keys.pending('D1'), keys.finished('D1')), 0);
  assert.equal(await redis.get(keys.delivered('d-D1-1')), '250 ok', 'the ledger has the reply');
  assert.deepEqual(
    (await traces.read('D1')).map((e) => e.event),
    ['delivered', 'delivered'],
  );
});

test('each begin counts an attempt and reads the record back whole; the first attempt time stays', async () => {
  await routed('B1', 1);
  await lifecycle.begin('B1', 'd-B1-0', 100);
  assert.deepEqual(await lifecycle.defer('d-B1-0', { ...rejected, result: 'deferred' }), { ok: true });
  const again = await lifecycle.begin('B1', 'd-B1-0', 500);
  assert.ok(again.ok && 'attempt' in again);
  assert.equal(again.attempt.state.attempts, 2);
  assert.equal(again.attempt.state.firstAttemptAt, 100);
  assert.equal(again.attempt.state.lastReply, '550 no');
  assert.deepEqual(Object.keys(again.attempt.state.recipients), ['b@x']);
  assert.deepEqual(await states.get('d-B1-0'), again.attempt.state, 'what begin returns is what is stored');
  assert.ok((await redis.pttl(keys.deliveryState('d-B1-0'))) > 50_000, 'the record has its expiry');
});

test('a 250 for a delivery whose record went during the attempt (deleted, expired) records it with an expiry', async () => {
  await routed('L1', 1);
  await lifecycle.begin('L1', 'd-L1-0', 100);
  await redis.del(keys.deliveryState('d-L1-0'));
  assert.deepEqual(await lifecycle.deliver('L1', 'd-L1-0', accepted(), sent('delivered')), { ok: true, left: 0, counted: true });
  assert.equal((await states.get('d-L1-0'))?.result, 'delivered');
  assert.ok((await redis.pttl(keys.deliveryState('d-L1-0'))) > 50_000, 'never a record without an expiry');
});

test('a trace expires trace_ttl after its first event; a dead letter renews it; a trace gone since starts again with an expiry', async () => {
  await routed('E1', 2);
  await redis.rpush(keys.trace('E1'), JSON.stringify(sent('routed')));
  await redis.pexpire(keys.trace('E1'), 10_000);
  await lifecycle.begin('E1', 'd-E1-0', 100);
  await lifecycle.deliver('E1', 'd-E1-0', accepted(), sent('delivered'));
  assert.ok((await redis.pttl(keys.trace('E1'))) <= 10_000, 'a delivery does not renew it');
  await lifecycle.begin('E1', 'd-E1-1', 100);
  await lifecycle.deadLetter('E1', 'd-E1-1', rejected, 3_600_000, sent('failed'));
  assert.ok((await redis.pttl(keys.trace('E1'))) > 100_000, 'a dead letter renews it');
  await routed('E2', 1);
  await redis.del(keys.trace('E2'));
  await lifecycle.begin('E2', 'd-E2-0', 100);
  await lifecycle.deliver('E2', 'd-E2-0', accepted(), sent('delivered'));
  assert.ok((await redis.pttl(keys.trace('E2'))) > 100_000, 'never a trace without an expiry');
});

test('a dead letter keeps its record and message for keep_for; a re-run of it is refused, not sent again', async () => {
  await routed('F1', 1);
  await lifecycle.begin('F1', 'd-F1-0', 100);
  assert.deepEqual(await lifecycle.defer('d-F1-0', { at: 1, upstream: 'corp', reply: '451 later', result: 'deferred' }), { ok: true });
  assert.deepEqual(await lifecycle.deadLetter('F1', 'd-F1-0', rejected, 3_600_000, sent('failed')), { ok: true });
  for (const key of [keys.message('F1'), keys.pending('F1'), keys.deliveryState('d-F1-0')]) assert.ok((await redis.pttl(key)) > 60_000, key);
  assert.equal((await states.get('d-F1-0'))?.result, 'partial');
  assert.deepEqual(await lifecycle.begin('F1', 'd-F1-0', 200), { ok: false, transition: 'begin', from: 'dead' });
  assert.deepEqual(await lifecycle.defer('d-F1-0', { at: 1, upstream: 'corp', reply: '451', result: 'deferred' }), { ok: false, transition: 'defer', from: 'dead' });
});

test('retry gives a dead letter a fresh lifetime: accepted recipients stay accepted, the others open again', async () => {
  await routed('T1', 1);
  await lifecycle.begin('T1', 'd-T1-0', 100);
  await lifecycle.deadLetter('T1', 'd-T1-0', { ...rejected, recipients: { ...rejected.recipients, ...accepted().recipients } }, 3_600_000, sent('failed'));
  assert.deepEqual(await lifecycle.retry('T1', 'd-T1-0', cli('queue retry', 'retried')), { ok: true });
  const state = await states.get('d-T1-0');
  assert.equal(state?.attempts, 0);
  assert.equal(state?.firstAttemptAt, undefined);
  assert.equal(state?.result, undefined);
  assert.deepEqual(Object.keys(state?.recipients ?? {}), ['a@x']);
  assert.deepEqual((await traces.read('T1')).at(-1), cli('queue retry', 'retried'));
  await lifecycle.begin('T1', 'd-T1-0', 300);
  await lifecycle.deliver('T1', 'd-T1-0', accepted('b@x'), sent('delivered'));
  assert.deepEqual(await lifecycle.retry('T1', 'd-T1-0', cli('queue retry', 'retried')), { ok: false, transition: 'retry', from: 'delivered' });
});

test('delete counts the delivery as finished and the message goes with the last one', async () => {
  await routed('X1', 2);
  await lifecycle.begin('X1', 'd-X1-0', 100);
  await lifecycle.deadLetter('X1', 'd-X1-0', rejected, 3_600_000, sent('failed'));
  assert.deepEqual(await lifecycle.delete('X1', 'd-X1-0', cli('queue delete', 'deleted')), { ok: true, left: 1, counted: true });
  assert.equal(await states.get('d-X1-0'), undefined);
  assert.deepEqual(await lifecycle.delete('X1', 'd-X1-1', cli('queue delete', 'deleted')), { ok: true, left: 0, counted: true }, 'a queued delivery');
  assert.equal(await store.exists('X1'), false);
});

test('replay forgets the dead records and the counts, so the router counts afresh; a gone message is refused', async () => {
  await routed('P1', 2);
  await lifecycle.begin('P1', 'd-P1-0', 100);
  await lifecycle.deliver('P1', 'd-P1-0', accepted(), sent('delivered'));
  await lifecycle.begin('P1', 'd-P1-1', 100);
  await lifecycle.deadLetter('P1', 'd-P1-1', rejected, 3_600_000, sent('failed'));
  assert.deepEqual(await lifecycle.replay('P1', ['d-P1-1'], cli('queue replay', 'replayed')), { ok: true });
  assert.equal(await states.get('d-P1-1'), undefined);
  assert.equal(await redis.exists(keys.pending('P1'), keys.finished('P1')), 0);
  assert.deepEqual(await lifecycle.route('P1', 2), { ok: true, outcome: 'routed' });
  assert.deepEqual(await lifecycle.begin('P1', 'd-P1-0', 200), { ok: true, delivered: { left: 1, counted: true } }, 'the delivered one is counted, not sent');
  assert.deepEqual(await lifecycle.replay('P-never', [], cli('queue replay', 'replayed')), { ok: false, transition: 'replay', from: 'gone' });
});

test('withdraw deletes an accepted message and is refused once it is gone', async () => {
  await routed('W1', 1);
  assert.deepEqual(await lifecycle.withdraw('W1'), { ok: true });
  assert.equal(await redis.exists(keys.message('W1'), keys.pending('W1')), 0);
  assert.deepEqual(await lifecycle.withdraw('W1'), { ok: false, transition: 'withdraw', from: 'gone' });
});
