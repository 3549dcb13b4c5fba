import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCircuitBreaker } from './circuit-breaker.js';

function setup() {
  let clock = 0;
  const changes: Array<[string, boolean]> = [];
  const breaker = createCircuitBreaker({ failures: 3, openForMs: 1000, now: () => clock, onChange: (upstream, open) => changes.push([upstream, open]) });
  return { breaker, changes, advance: (ms: number) => (clock += ms) };
}

test('an upstream is paused after the configured failures in a row, and only that upstream', () => {
  const { breaker, changes } = setup();
  breaker.failure('a');
  breaker.failure('a');
  assert.equal(breaker.isOpen('a'), false);
  breaker.failure('a');
  assert.equal(breaker.isOpen('a'), true);
  assert.equal(breaker.isOpen('b'), false);
  assert.deepEqual(changes, [['a', true]]);
});

test('a success in between resets the count', () => {
  const { breaker } = setup();
  breaker.failure('a');
  breaker.failure('a');
  breaker.success('a');
  breaker.failure('a');
  breaker.failure('a');
  assert.equal(breaker.isOpen('a'), false);
});

test('after the pause one probe is let through; its failure pauses again, its success closes', () => {
  const { breaker, changes, advance } = setup();
  for (let i = 0; i < 3; i++) breaker.failure('a');
  advance(1000);
  assert.equal(breaker.isOpen('a'), false, 'half-open after open_for');
  breaker.failure('a');
  assert.equal(breaker.isOpen('a'), true, 'one failed probe opens it again');
  advance(1000);
  breaker.success('a');
  assert.equal(breaker.isOpen('a'), false);
  assert.deepEqual(changes, [
    ['a', true],
    ['a', false],
  ]);
});
