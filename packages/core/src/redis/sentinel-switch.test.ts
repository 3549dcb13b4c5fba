import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failoverEventOf, switchOf } from './sentinel-switch.js';

test('switchOf reads +switch-master for its own master only', () => {
  assert.deepEqual(switchOf('mymaster 10.0.0.1 6379 10.0.0.2 6379', 'mymaster'), { from: '10.0.0.1:6379', to: '10.0.0.2:6379' });
  assert.equal(switchOf('other 10.0.0.1 6379 10.0.0.2 6379', 'mymaster'), undefined);
  assert.equal(switchOf('mymaster 10.0.0.1', 'mymaster'), undefined);
});

test('failoverEventOf: a failover begins at select-slave and ends at its end or an abort, of its own master only', () => {
  assert.equal(failoverEventOf('+failover-state-select-slave', 'master mymaster 10.0.0.1 6379', 'mymaster'), 'begun');
  assert.equal(failoverEventOf('+failover-end', 'master mymaster 10.0.0.1 6379', 'mymaster'), 'ended');
  assert.equal(failoverEventOf('-failover-abort-no-good-slave', 'master mymaster 10.0.0.1 6379', 'mymaster'), 'ended');
  assert.equal(failoverEventOf('+failover-state-select-slave', 'master other 10.0.0.1 6379', 'mymaster'), undefined);
  assert.equal(failoverEventOf('+switch-master', 'mymaster 10.0.0.1 6379 10.0.0.2 6379', 'mymaster'), undefined);
});
