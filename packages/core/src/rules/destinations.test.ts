import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyHeaderRewrites } from '../mail/header-block.js';
import { destinationsFor } from './destinations.js';
import { alertEvent } from '../alerts/registry.js';
import { buildFacts } from './facts.js';
import type { Decision } from './types.js';

const SETTINGS = { defaultUpstream: 'default', webhooks: [{ name: 'ci', url: 'https://hooks.example.com/T/B/X' }] };
const ENVELOPE = { from: 'go@example.com', to: ['mail2alert@example.com'] };
const alert = alertEvent(buildFacts(ENVELOPE, 'Subject: x\r\n\r\n'));
const base = { manager: 'gocd', rule: 'r', rules: ['r'], reason: 'x', event: null, alert, problems: [] };

test('a deliver decision is one SMTP delivery with To = recipients and From = envelope sender, plus its webhooks', () => {
  const decision: Decision = {
    ...base,
    action: 'deliver',
    recipients: ['cat@example.com', 'dog@example.com'],
    fallback: false,
    webhooks: [{ kind: 'webhook', webhook: 'ci', format: 'slack', style: 'full' }],
  };
  assert.deepEqual(destinationsFor(decision, ENVELOPE, SETTINGS), [
    {
      kind: 'smtp',
      upstream: 'default',
      envelope: { from: 'go@example.com', to: ['cat@example.com', 'dog@example.com'] },
      rewrites: { set: { To: 'cat@example.com, dog@example.com', From: 'go@example.com' }, remove: [] },
    },
    { kind: 'webhook', url: 'https://hooks.example.com/T/B/X', format: 'slack', style: 'full' },
  ]);
});

test('the null sender keeps the original From header', () => {
  const decision: Decision = { ...base, action: 'deliver', recipients: ['cat@example.com'], webhooks: [], fallback: false };
  const [smtp] = destinationsFor(decision, { from: '', to: ['mail2alert@example.com'] }, SETTINGS);
  assert.deepEqual(smtp?.kind === 'smtp' && smtp.rewrites?.set, { To: 'cat@example.com' });
});

test('passthrough keeps the accepted envelope and rewrites nothing; drop has no destination', () => {
  const passthrough: Decision = { ...base, manager: null, action: 'passthrough', recipients: [], webhooks: [] };
  assert.deepEqual(destinationsFor(passthrough, ENVELOPE, SETTINGS), [{ kind: 'smtp', upstream: 'default', envelope: ENVELOPE }]);
  const drop: Decision = { ...base, action: 'drop', recipients: [], webhooks: [], dropReason: 'no_rule_matched' };
  assert.deepEqual(destinationsFor(drop, ENVELOPE, SETTINGS), []);
});

test('an envelope sender that could break a header is not written into From (no header injection)', () => {
  const decision: Decision = { ...base, action: 'deliver', recipients: ['cat@example.com'], webhooks: [], fallback: false };
  const [smtp] = destinationsFor(decision, { from: 'a@b.example\r\nBcc: x@evil.example', to: ['m@example.com'] }, SETTINGS);
  assert.ok(smtp?.kind === 'smtp');
  const rewritten = applyHeaderRewrites(Buffer.from('From: a@b.example\r\nTo: m@example.com\r\n\r\nbody'), smtp.rewrites).toString();
  assert.equal(rewritten, 'From: a@b.example\r\nTo: cat@example.com\r\n\r\nbody');
});

test("regression: a claimed message's other recipients vanished — they go unchanged to the default upstream, even when the claimed part is dropped", () => {
  const envelope = { from: 'go@example.com', to: ['gocd@example.com', 'someone@else.example', 'cat@example.com'] };
  const others = { addresses: ['someone@else.example', 'cat@example.com'], action: 'deliver' as const };
  const deliver: Decision = { ...base, action: 'deliver', recipients: ['cat@example.com'], webhooks: [], fallback: false, others };
  assert.deepEqual(
    destinationsFor(deliver, envelope, SETTINGS).slice(1),
    [{ kind: 'smtp', upstream: 'default', envelope: { from: 'go@example.com', to: ['someone@else.example'] } }],
    'a rule recipient is not sent a second copy',
  );
  const drop: Decision = { ...base, action: 'drop', recipients: [], webhooks: [], dropReason: 'no_rule_matched', others };
  assert.deepEqual(destinationsFor(drop, envelope, SETTINGS), [{ kind: 'smtp', upstream: 'default', envelope: { from: 'go@example.com', to: ['someone@else.example', 'cat@example.com'] } }]);
  assert.deepEqual(destinationsFor({ ...drop, others: { ...others, action: 'drop' } }, envelope, SETTINGS), []);
});

test("a route's on_dead reaches each routed destination resolved (webhook names to URLs); the unclaimed recipients' passthrough has none", () => {
  const decision: Decision = {
    ...base,
    action: 'deliver',
    recipients: ['cat@example.com'],
    fallback: false,
    webhooks: [],
    onDead: { recipients: ['oncall@example.com'], webhooks: [{ kind: 'webhook', webhook: 'ci', format: 'json', style: 'brief' }] },
    others: { addresses: ['other@example.com'], action: 'deliver' },
  };
  const [routed, other] = destinationsFor(decision, { from: 'go@example.com', to: ['mail2alert@example.com', 'other@example.com'] }, SETTINGS);
  assert.deepEqual(routed?.onDead, [
    { kind: 'mailto', to: ['oncall@example.com'] },
    { kind: 'webhook', url: 'https://hooks.example.com/T/B/X', format: 'json', style: 'brief' },
  ]);
  assert.equal(other?.onDead, undefined);
});
