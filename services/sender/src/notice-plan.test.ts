import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeliverJob } from '@mailsort/core';
import { contactKey, noticeIdOf, noticeJobs, noticeTargets, noticeUpstream, rateWindow, withinLimit } from './notice-plan.js';

const smtp = (onDead?: DeliverJob['destination']['onDead']): DeliverJob['destination'] => ({
  kind: 'smtp',
  upstream: 'main',
  envelope: { from: 'ci@x', to: ['team@x'] },
  ...(onDead ? { onDead } : {}),
});
const job = (over: Partial<DeliverJob> = {}): DeliverJob => ({ v: 1, id: 'M1', deliveryId: 'd-M1-0', acceptedAt: 0, original: { from: 'ci@x', to: ['team@x'] }, destination: smtp(), ...over });
const SETTINGS = { to: 'postmaster@x', from: '' };
const HOOK = { kind: 'webhook' as const, url: 'https://hooks/x', format: 'json' as const, style: 'brief' as const };

test('who hears of a dead letter', () => {
  const cases: Array<{ name: string; delivery: DeliverJob; settings?: Parameters<typeof noticeTargets>[1]; expected: ReturnType<typeof noticeTargets> }> = [
    { name: 'no on_dead: the global fallback', delivery: job(), expected: { kind: 'contacts', contacts: [{ kind: 'mailto', to: ['postmaster@x'] }] } },
    {
      name: "the route's on_dead wins",
      delivery: job({ destination: smtp([{ kind: 'mailto', to: ['oncall@x'] }, HOOK]) }),
      expected: { kind: 'contacts', contacts: [{ kind: 'mailto', to: ['oncall@x'] }, HOOK] },
    },
    { name: 'no on_dead and no fallback: nobody', delivery: job(), settings: { from: '' }, expected: { kind: 'none', why: 'no_contact' } },
    { name: 'mail from the null sender: never', delivery: job({ original: { from: '', to: ['team@x'] } }), expected: { kind: 'none', why: 'null_sender' } },
    { name: 'a notice that died: never, whatever its from', delivery: job({ original: { from: 'ms@x', to: ['oncall@x'] }, notice: true }), expected: { kind: 'none', why: 'notice' } },
    {
      name: 'a notice queued before the flag existed: by its envelope',
      delivery: job({ original: { from: 'ms@x', to: ['postmaster@x'] } }),
      settings: { to: 'postmaster@x', from: 'ms@x' },
      expected: { kind: 'none', why: 'notice' },
    },
    {
      name: 'the webhook that failed is no other path: the fallback instead',
      delivery: job({ destination: { ...HOOK, onDead: [HOOK] } }),
      expected: { kind: 'contacts', contacts: [{ kind: 'mailto', to: ['postmaster@x'] }] },
    },
  ];
  for (const { name, delivery, settings = SETTINGS, expected } of cases) assert.deepEqual(noticeTargets(delivery, settings), expected, name);
});

test('the upstream a notice takes is another than the one that failed whenever one exists', () => {
  const cases: Array<[failed: string, configured: string | undefined, upstreams: string[], expected: string]> = [
    ['main', 'backup', ['main', 'backup'], 'backup'],
    ['main', undefined, ['main', 'backup', 'third'], 'backup'],
    ['main', 'main', ['main', 'backup'], 'backup'],
    ['main', undefined, ['main'], 'main'],
    ['webhook', undefined, ['main'], 'main'],
  ];
  for (const [failed, configured, upstreams, expected] of cases) assert.equal(noticeUpstream(failed, configured, upstreams), expected, `${failed} ${configured} ${upstreams}`);
});

test('one notice id per dead delivery (a re-run makes the same one), a valid job id', () => {
  assert.equal(noticeIdOf('d-M1-0'), noticeIdOf('d-M1-0'));
  assert.notEqual(noticeIdOf('d-M1-0'), noticeIdOf('d-M1-1'));
  const jobs = noticeJobs(noticeIdOf('d-M1-0'), [{ kind: 'mailto', to: ['a@x', 'b@x'] }, HOOK], '', 'backup', 5, ['postmaster@x']);
  assert.deepEqual(
    jobs.map((j) => [j.deliveryId, j.destination.kind, j.notice]),
    [
      ['d-n-d-M1-0-0', 'smtp', true],
      ['d-n-d-M1-0-1', 'webhook', true],
    ],
  );
  assert.deepEqual(jobs[0]!.destination.kind === 'smtp' && [jobs[0]!.destination.upstream, jobs[0]!.destination.envelope], ['backup', { from: '', to: ['a@x', 'b@x'] }]);
  assert.deepEqual(noticeJobs('n', [HOOK], '', 'backup', 5, ['postmaster@x'])[0]!.original.to, ['postmaster@x'], 'a webhook-only notice records the fallback envelope');
  assert.ok(!jobs.some((j) => j.deliveryId.includes(':')));
});

test('rate limit: a contact over per_contact in its window is left out; windows are fixed; keys hold no address spelling twice and no URL', () => {
  assert.deepEqual(
    withinLimit(
      [
        { contact: 'a', count: 1 },
        { contact: 'b', count: 3 },
        { contact: 'c', count: 2 },
      ],
      2,
    ),
    { allowed: ['a', 'c'], limited: ['b'] },
  );
  assert.equal(rateWindow(3_599_999, 3_600_000), 0);
  assert.equal(rateWindow(3_600_000, 3_600_000), 1);
  assert.equal(contactKey({ kind: 'mailto', address: 'OnCall@Example.com' }), contactKey({ kind: 'mailto', address: 'OnCall@example.com' }));
  assert.doesNotMatch(contactKey({ kind: 'webhook', url: 'https://hooks/secret' }), /secret|hooks/);
});
