import assert from 'node:assert/strict';
import { test } from 'node:test';
import { noteMaster, roleOf, type MasterChange, type MasterSeen } from './master-address.js';

const start: MasterSeen = { address: undefined, failovers: 0 };
const at = (address: string, failovers = 0): MasterSeen => ({ address, failovers });

const rows: Array<{ name: string; seen: MasterSeen; address: string | undefined; expected: MasterChange }> = [
  { name: 'the first connection names the master, no failover', seen: start, address: '10.0.0.1:6379', expected: { seen: at('10.0.0.1:6379') } },
  { name: 'another connection to the same master changes nothing', seen: at('10.0.0.1:6379'), address: '10.0.0.1:6379', expected: { seen: at('10.0.0.1:6379') } },
  {
    name: 'a connection up on another address is a failover',
    seen: at('10.0.0.1:6379'),
    address: '10.0.0.2:6379',
    expected: { seen: at('10.0.0.2:6379', 1), failover: { from: '10.0.0.1:6379', to: '10.0.0.2:6379' } },
  },
  { name: 'the other connections that follow it there are the same failover', seen: at('10.0.0.2:6379', 1), address: '10.0.0.2:6379', expected: { seen: at('10.0.0.2:6379', 1) } },
  {
    name: 'failing back is a second failover',
    seen: at('10.0.0.2:6379', 1),
    address: '10.0.0.1:6379',
    expected: { seen: at('10.0.0.1:6379', 2), failover: { from: '10.0.0.2:6379', to: '10.0.0.1:6379' } },
  },
  { name: 'a connection whose address is unknown says nothing', seen: at('10.0.0.1:6379'), address: undefined, expected: { seen: at('10.0.0.1:6379') } },
];

for (const { name, seen, address, expected } of rows) {
  test(`noteMaster: ${name}`, () => {
    assert.deepEqual(noteMaster(seen, address), expected);
  });
}

const roleRows: Array<{ name: string; reply: unknown; expected: ReturnType<typeof roleOf> }> = [
  {
    name: 'a master with two replicas',
    reply: [
      'master',
      3129659,
      [
        ['127.0.0.1', '9001', '3129242'],
        ['127.0.0.1', '9002', '3129543'],
      ],
    ],
    expected: { role: 'master', replicas: 2 },
  },
  { name: 'a master alone', reply: ['master', 0, []], expected: { role: 'master', replicas: 0 } },
  { name: 'a demoted master, now a replica', reply: ['slave', '127.0.0.1', 9000, 'connected', 3167038], expected: { role: 'replica', replicas: 0 } },
  { name: 'a Sentinel is no data node', reply: ['sentinel', ['mymaster']], expected: { role: 'unreachable', replicas: 0 } },
  { name: 'no answer', reply: undefined, expected: { role: 'unreachable', replicas: 0 } },
];

for (const { name, reply, expected } of roleRows) {
  test(`roleOf: ${name}`, () => {
    assert.deepEqual(roleOf(reply), expected);
  });
}
