import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createMessageLifecycle, createQueue, jobId, newMessageId, QUEUES, splitHeaderFields, headerSection, type DeliverJob, type HeaderRewrites } from '@mailsort/core';
import { startSink } from './support/sink.js';
import { deletePrefix, testRedis } from './support/redis.js';
import { startSystem } from './support/system.js';

// The rules engine is built in parallel, so the hostile rewrites are put on the deliver queue
// directly, exactly as the router would: values a rule copied from the message (a subject, a
// header) are what an attacker controls.
const RAW = 'From: ci@example.com\r\nTo: team@example.com\r\nSubject: Build failed\r\n\r\nbody line\r\nBcc: not a header, body text\r\n';
const BCC = 'Bcc: victim@evil.example';

const HOSTILE: Array<{ name: string; rewrites: HeaderRewrites }> = [
  { name: 'CRLF in a Subject value', rewrites: { set: { Subject: `[team] Build failed\r\n${BCC}` }, remove: [] } },
  { name: 'a bare LF in a header value', rewrites: { set: { 'X-Team': `ops\n${BCC}` }, remove: [] } },
  { name: 'a bare CR in a header value', rewrites: { set: { 'X-Team': `ops\r${BCC}` }, remove: [] } },
  { name: 'a blank line that would start the body early', rewrites: { set: { 'X-Team': 'ops\r\n\r\nInjected body' }, remove: [] } },
  { name: 'NUL in a header value', rewrites: { set: { 'X-Team': `ops\0${BCC}` }, remove: [] } },
  { name: 'CRLF plus a tab that would fold the Bcc into the line', rewrites: { set: { 'X-Team': `ops\r\n\t${BCC}` }, remove: [] } },
];

let sink: Awaited<ReturnType<typeof startSink>>;
let system: Awaited<ReturnType<typeof startSystem>>;
const redis = testRedis();

before(async () => {
  sink = await startSink();
  system = await startSystem({ name: 'hostile-header-injection', upstreamPort: sink.port, services: ['sender'] });
});

after(async () => {
  await system.stop();
  await sink.close();
  await deletePrefix(redis, system.prefix);
  redis.disconnect();
});

/** Stores RAW and queues one delivery of it per destination, as the router does. */
async function deliver(destinations: DeliverJob['destination'][]): Promise<string> {
  const id = newMessageId();
  const lifecycle = createMessageLifecycle(redis, { prefix: system.prefix, messageTtlMs: 60_000, traceTtlMs: 60_000 });
  const queue = createQueue(QUEUES.deliver, redis, system.prefix);
  try {
    await lifecycle.accept(id, Buffer.from(RAW, 'latin1'));
    await lifecycle.route(id, destinations.length);
    const original = { from: 'ci@example.com', to: ['team@example.com'] };
    await queue.addBulk(
      destinations.map((destination, n) => {
        const data: DeliverJob = { v: 1, id, deliveryId: jobId('deliver', id, n), acceptedAt: Date.now(), original, destination };
        return { name: 'delivery', data, opts: { jobId: data.deliveryId } };
      }),
    );
  } finally {
    await queue.close();
  }
  return id;
}

test('hostile rewrite values never add a header at the upstream: CR, LF and NUL become spaces inside the one header', async () => {
  const before = sink.messages.length;
  await deliver(HOSTILE.map(({ rewrites }) => ({ kind: 'smtp', upstream: 'default', envelope: { from: 'ci@example.com', to: ['team@example.com'] }, rewrites })));
  const delivered = (await sink.waitForMessages(before + HOSTILE.length)).slice(before);
  assert.equal(delivered.length, HOSTILE.length);
  for (const message of delivered) {
    const raw = message.raw.toString('latin1');
    const fields = splitHeaderFields(headerSection(message.raw));
    const names = fields.map((field) => field.slice(0, field.indexOf(':')).toLowerCase());
    assert.ok(!names.includes('bcc'), `no Bcc header: ${JSON.stringify(raw)}`);
    assert.deepEqual(message.to, ['team@example.com'], "the envelope is the job's, nobody added");
    assert.ok(raw.endsWith('\r\n\r\nbody line\r\nBcc: not a header, body text\r\n'), `the body is untouched: ${JSON.stringify(raw)}`);
    for (const field of fields.filter((f) => /^(subject|x-team):/i.test(f))) {
      assert.doesNotMatch(field.replace(/\r\n$/, ''), /[\r\n\0]/, `one line, no control characters: ${JSON.stringify(field)}`);
    }
  }
  const subjects = delivered.map((m) => m.subject);
  assert.ok(subjects.includes(`[team] Build failed ${BCC}`), subjects.join(' | '));
});
