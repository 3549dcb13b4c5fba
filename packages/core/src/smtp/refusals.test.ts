import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { ERROR_CODES } from '../errors.js';
import { createIngestMetrics, LABEL_VALUES } from '../metrics/catalogue.js';
import {
  CONNECTION_REFUSALS,
  connectionRefusalFor,
  rejection,
  REJECTIONS,
  SESSION_CUTS,
  sessionCut,
  SILENT_SESSION_CUTS,
  type ConnectionRefusedReason,
  type Refusal,
  type RejectReason,
} from './refusals.js';

// What each reply names, for the replies that name something. Typed over every reason: a new
// reason does not compile here until it has a row.
const REJECTION_ARGS: { [R in RejectReason]: Parameters<typeof rejection<R>> extends [R, ...infer A] ? A : never } = {
  relay_denied: [],
  too_many_recipients: [],
  too_big: [],
  header_too_big: [],
  redis_full: [],
  store_timeout: [],
  not_replicated: [],
  bad_address: ['sender', 'no domain'],
  redis_unavailable: ['store'],
  sender_not_allowed: ['ceo@example.com', 'alert'],
  rate_limited: ['alert'],
};

const rows: Array<{ table: string; refusal: Refusal; temporary: boolean; label: readonly string[] }> = [
  ...(Object.keys(REJECTIONS) as RejectReason[]).map((reason) => ({
    table: 'rejections',
    refusal: (rejection as (r: RejectReason, ...a: unknown[]) => Refusal)(reason, ...REJECTION_ARGS[reason]),
    // Only what the client can fix by waiting is 4xx; a refusal of who it is or what it sent is 5xx.
    temporary: ['too_many_recipients', 'redis_unavailable', 'redis_full', 'store_timeout', 'not_replicated', 'rate_limited'].includes(reason),
    label: LABEL_VALUES.rejectReason,
  })),
  ...(Object.keys(CONNECTION_REFUSALS) as ConnectionRefusedReason[]).map((reason) => ({
    table: 'connections',
    refusal: connectionRefusalFor(reason),
    temporary: true,
    label: LABEL_VALUES.connectionRefusedReason,
  })),
  ...(Object.keys(SESSION_CUTS) as Array<keyof typeof SESSION_CUTS>).map((reason) => ({ table: 'session cuts', refusal: sessionCut(reason), temporary: true, label: LABEL_VALUES.sessionCutReason })),
];

for (const { table, refusal, temporary, label } of rows) {
  test(`refusal ${table}/${refusal.reason}: ${refusal.code} ${refusal.text}`, () => {
    assert.equal(Math.floor(refusal.code / 100), temporary ? 4 : 5, 'reply class');
    const enhanced = /^([245])\.\d{1,3}\.\d{1,3} \S/.exec(refusal.text);
    assert.ok(enhanced, 'the text starts with an RFC 3463 enhanced status code');
    assert.equal(enhanced[1], String(refusal.code)[0], 'the enhanced code has the class of the reply code');
    assert.ok(Object.hasOwn(ERROR_CODES, refusal.errorCode), `${refusal.errorCode} is in ERROR_CODES`);
    assert.ok(label.includes(refusal.reason), 'its metric label is listed');
  });
}

test('every reason, and only those, is a metric label that starts at 0', async () => {
  const registry = new Registry();
  createIngestMetrics(registry);
  const expected: Record<string, readonly string[]> = {
    mailsort_ingest_messages_rejected_total: Object.keys(REJECTIONS),
    mailsort_ingest_connections_refused_total: Object.keys(CONNECTION_REFUSALS),
    mailsort_ingest_sessions_cut_total: [...Object.keys(SESSION_CUTS), ...SILENT_SESSION_CUTS],
  };
  for (const metric of await registry.getMetricsAsJSON()) {
    const reasons = expected[metric.name];
    if (!reasons) continue;
    assert.deepEqual(metric.values.map((value) => value.labels.reason).sort(), [...reasons].sort(), metric.name);
    assert.ok(metric.values.every((value) => value.value === 0));
  }
});

test('a reply that names something names it: the address, the user, the stage', () => {
  assert.equal(rejection('bad_address', 'recipient', 'no domain').text, '5.1.3 Bad recipient address syntax: no domain');
  assert.equal(rejection('bad_address', 'sender', 'no domain').text, '5.1.7 Bad sender address syntax: no domain');
  assert.equal(rejection('sender_not_allowed', 'ceo@example.com', 'alert').text, '5.7.1 Sender address <ceo@example.com> is not allowed for user alert');
  assert.equal(rejection('rate_limited', 'alert').text, '4.7.1 Rate limit for user alert exceeded, try again later');
  assert.equal(rejection('redis_unavailable', 'check').text, '4.3.0 Temporary failure, try again later');
  assert.equal(rejection('redis_unavailable', 'store').text, '4.3.0 Temporary failure storing the message, try again later');
});

test('docs/ingest.md lists exactly these reasons for each refusal counter', () => {
  const doc = readFileSync(new URL('../../../../docs/ingest.md', import.meta.url), 'utf8');
  const listed = (metric: string) => {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${metric}\` |`)) ?? '';
    return [...(row.split('|')[2] ?? '').replace('`reason`:', '').matchAll(/`([a-z_]+)`/g)].map((match) => match[1]).sort();
  };
  assert.deepEqual(listed('mailsort_ingest_messages_rejected_total'), Object.keys(REJECTIONS).sort());
  assert.deepEqual(listed('mailsort_ingest_connections_refused_total'), Object.keys(CONNECTION_REFUSALS).sort());
  assert.deepEqual(listed('mailsort_ingest_sessions_cut_total'), [...Object.keys(SESSION_CUTS), ...SILENT_SESSION_CUTS].sort());
});
