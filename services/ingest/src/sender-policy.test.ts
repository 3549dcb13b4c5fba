import assert from 'node:assert/strict';
import { test } from 'node:test';
import { senderAllowed } from './sender-policy.js';

const cases: Array<{ name: string; patterns: string[]; sender: string; expected: boolean }> = [
  { name: 'an exact address', patterns: ['alertmanager@example.com'], sender: 'alertmanager@example.com', expected: true },
  { name: 'an exact address in another case', patterns: ['Alertmanager@Example.com'], sender: 'alertmanager@EXAMPLE.com', expected: true },
  { name: 'another address of the same domain', patterns: ['alertmanager@example.com'], sender: 'ci@example.com', expected: false },
  { name: 'any address of an @domain', patterns: ['@example.com'], sender: 'ci@example.com', expected: true },
  { name: 'a subdomain is not the @domain', patterns: ['@example.com'], sender: 'ci@build.example.com', expected: false },
  { name: 'a look-alike domain suffix', patterns: ['@example.com'], sender: 'ci@evilexample.com', expected: false },
  { name: 'the null sender without *', patterns: ['@example.com'], sender: '', expected: false },
  { name: 'the null sender with *', patterns: ['*'], sender: '', expected: true },
  { name: 'anything with *', patterns: ['*'], sender: 'x@y.z', expected: true },
  { name: 'an IDN @domain against the A-label sender', patterns: ['@münchen.example'], sender: 'ci@xn--mnchen-3ya.example', expected: true },
  { name: 'an upper-case @domain', patterns: ['@CI.Example.com'], sender: 'ci@ci.example.com', expected: true },
  { name: 'regression: a look-alike local part (KELVIN SIGN for K) is not the allowed address', patterns: ['keys@example.com'], sender: '\u212Aeys@example.com', expected: false },
  { name: 'one of several patterns', patterns: ['a@x.org', '@example.com'], sender: 'b@example.com', expected: true },
];

for (const { name, patterns, sender, expected } of cases) {
  test(`allowed senders: ${name} → ${expected ? 'allowed' : 'refused'}`, () => {
    assert.equal(senderAllowed(patterns, sender), expected);
  });
}
