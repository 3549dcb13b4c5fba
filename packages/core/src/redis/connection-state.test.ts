import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextConnectionState, type ConnectionEvent, type ConnectionState } from './connection-state.js';

const cases: Array<{ name: string; from: ConnectionState; events: ConnectionEvent[]; codes: string[]; to: ConnectionState }> = [
  { name: 'a first connect says nothing', from: 'starting', events: ['ready'], codes: [], to: 'up' },
  {
    name: 'an outage with errors: down, reconnecting, back',
    from: 'up',
    events: ['error', 'reconnecting', 'error', 'reconnecting', 'error', 'reconnecting', 'ready'],
    codes: ['REDIS_UNAVAILABLE', 'REDIS_RECONNECTING', 'REDIS_RECONNECTED'],
    to: 'up',
  },
  {
    name: 'a killed Redis closes without an error: one line for down, one for back',
    from: 'up',
    events: ['reconnecting', 'error', 'reconnecting', 'error', 'ready'],
    codes: ['REDIS_UNAVAILABLE', 'REDIS_RECONNECTED'],
    to: 'up',
  },
  {
    name: 'Redis down at start: said once, then back',
    from: 'starting',
    events: ['error', 'reconnecting', 'error', 'reconnecting', 'ready'],
    codes: ['REDIS_UNAVAILABLE', 'REDIS_RECONNECTING', 'REDIS_RECONNECTED'],
    to: 'up',
  },
  { name: 'a deliberate quit says nothing', from: 'up', events: ['end'], codes: [], to: 'closed' },
  { name: 'a closed connection opened again by its owner says nothing', from: 'closed', events: ['reconnecting', 'ready'], codes: [], to: 'up' },
  { name: 'errors on a connection already down say nothing more', from: 'down', events: ['error', 'error', 'error'], codes: [], to: 'down' },
  {
    name: 'two outages: each told once',
    from: 'up',
    events: ['error', 'ready', 'error', 'ready'],
    codes: ['REDIS_UNAVAILABLE', 'REDIS_RECONNECTED', 'REDIS_UNAVAILABLE', 'REDIS_RECONNECTED'],
    to: 'up',
  },
];

for (const { name, from, events, codes, to } of cases) {
  test(`connection state: ${name}`, () => {
    let state = from;
    const logged: string[] = [];
    for (const event of events) {
      const next = nextConnectionState(state, event);
      state = next.state;
      if (next.log) logged.push(next.log.code);
    }
    assert.deepEqual(logged, codes);
    assert.equal(state, to);
  });
}
