import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IngestUser } from '@mailsort/core';
import { acceptRefusal } from './identity-checks.js';

const alert: IngestUser = { username: 'alert', password_hash: 'x', allowed_senders: ['alert@example.com'] };

const cases: Array<{ name: string; user?: IngestUser; trusted: boolean; from: string; expected: number | undefined }> = [
  { name: 'a trusted client, any sender', trusted: true, from: 'ceo@victim.example', expected: undefined },
  { name: 'an untrusted, unauthenticated client', trusted: false, from: 'ceo@victim.example', expected: 550 },
  { name: 'an authenticated user, its own sender', user: alert, trusted: false, from: 'alert@example.com', expected: undefined },
  { name: 'an authenticated user, another sender', user: alert, trusted: false, from: 'ceo@victim.example', expected: 553 },
  { name: 'an authenticated user on a trusted network, another sender', user: alert, trusted: true, from: 'ceo@victim.example', expected: 553 },
  { name: 'an authenticated user, the null sender without *', user: alert, trusted: false, from: '', expected: 553 },
];

for (const { name, user, trusted, from, expected } of cases) {
  test(`at accept time: ${name} → ${expected ?? 'accepted'}`, () => {
    assert.equal(acceptRefusal({ user, trusted }, from)?.code, expected);
  });
}
