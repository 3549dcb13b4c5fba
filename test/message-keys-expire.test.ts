import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import nodemailer from 'nodemailer';
import { jobId, storeKeys } from '@mailsort/core';
import { testRedis } from './support/redis.js';
import { startScriptedSmtp } from './support/scripted-smtp.js';
import { startSystem } from './support/system.js';
import { waitUntil } from './support/wait.js';

// Every key mailsort writes for a message expires (redis.message_ttl, trace_ttl, keep_for), so
// that nothing a message leaves behind lives forever, whichever way its delivery went: at once,
// after a retry, as a dead letter, or with its record or trace gone while the upstream still
// had the message (deleted by an operator, or expired).
test('no key a message leaves in Redis lacks an expiry: delivered, retried, dead, record or trace gone mid-attempt', async () => {
  const redis = testRedis();
  const whileHeld = new Map<string, () => Promise<unknown>>();
  const upstream = await startScriptedSmtp({
    rcpt: (address) => (address === 'dead@example.com' ? '550 5.1.1 no such user' : undefined),
    data: ['accept', '451 4.3.0 try later'],
    hold: (raw) => {
      const tag = /^X-Case: (\S+)/m.exec(raw.toString('latin1'))?.[1];
      return tag ? whileHeld.get(tag)?.() : undefined;
    },
  });
  const system = await startSystem({ name: 'keys-expire', upstreamPort: upstream.port, extra: { delivery: { retry: ['200ms'], max_lifetime: '60s' } } });
  const keys = storeKeys(system.prefix);
  after(async () => {
    await system.stop();
    await upstream.close();
    redis.disconnect();
  });
  const client = nodemailer.createTransport({ host: '127.0.0.1', port: system.smtpPort, ignoreTLS: true });
  const send = async (to: string, tag = '') => {
    const info = await client.sendMail({
      envelope: { from: 'ci@example.com', to: [to] },
      raw: `From: ci@example.com\r\nTo: ${to}\r\nSubject: ${tag || 'plain'}\r\nX-Case: ${tag || 'plain'}\r\n\r\nbody\r\n`,
    });
    return /queued as (\S+)$/.exec(info.response)![1]!;
  };
  const deliveryOf = (id: string) => jobId('deliver', id, 0);

  const ids: string[] = [];
  ids.push(await send('team@example.com'));
  await upstream.waitForMessages(1);
  ids.push(await send('team@example.com', 'retried')); // transaction 2 is refused 451, then retried
  await upstream.waitForMessages(2);
  ids.push(await send('dead@example.com', 'dead'));
  // Two of the same class: what the sender had at begin is gone by the upstream's 250.
  whileHeld.set('record-gone', () => redis.del(keys.deliveryState(deliveryOf(ids[3]!))));
  ids.push(await send('team@example.com', 'record-gone'));
  await upstream.waitForMessages(3);
  whileHeld.set('trace-gone', () => redis.del(keys.trace(ids[4]!)));
  ids.push(await send('team@example.com', 'trace-gone'));
  await upstream.waitForMessages(4);
  await waitUntil(async () => (await redis.exists(keys.delivered(deliveryOf(ids[4]!)))) === 1, 10_000, 'the last delivery recorded');
  await waitUntil(async () => (await redis.hget(keys.deliveryState(deliveryOf(ids[2]!)), 'result')) === 'failed', 10_000, 'the dead letter recorded');

  const families = (id: string) => [keys.message(id), keys.pending(id), keys.finished(id), keys.trace(id), keys.delivered(deliveryOf(id)), keys.deliveryState(deliveryOf(id))];
  const forever: string[] = [];
  let present = 0;
  for (const key of ids.flatMap(families)) {
    const ttl = await redis.pttl(key);
    if (ttl === -2) continue;
    present += 1;
    if (ttl < 0) forever.push(key);
  }
  assert.ok(present >= 15, `the messages left their ledger, records and traces (${present} keys)`);
  assert.deepEqual(forever, [], 'keys without an expiry');
});
