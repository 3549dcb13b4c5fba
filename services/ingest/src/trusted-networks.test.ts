import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTrustedNetworks } from './trusted-networks.js';

const cases: Array<{ name: string; networks: string[]; address: string; expected: boolean }> = [
  { name: 'IPv4 inside a block', networks: ['10.0.0.0/8'], address: '10.1.2.3', expected: true },
  { name: 'IPv4 outside a block', networks: ['10.0.0.0/8'], address: '11.0.0.1', expected: false },
  { name: 'loopback excluded when only 10/8 is trusted', networks: ['10.0.0.0/8'], address: '127.0.0.1', expected: false },
  { name: 'IPv4-mapped IPv6 client matches an IPv4 block', networks: ['127.0.0.0/8'], address: '::ffff:127.0.0.1', expected: true },
  { name: 'IPv4-mapped IPv6 client outside the IPv4 block', networks: ['10.0.0.0/8'], address: '::ffff:127.0.0.1', expected: false },
  { name: 'IPv6 inside a block', networks: ['fd00::/8'], address: 'fd12:3456::1', expected: true },
  { name: 'IPv6 loopback as a single address', networks: ['::1'], address: '::1', expected: true },
  { name: 'IPv6 does not match an IPv4 block', networks: ['0.0.0.0/0'], address: '::1', expected: false },
  { name: 'a single IPv4 address', networks: ['192.0.2.7'], address: '192.0.2.7', expected: true },
  { name: 'a neighbour of a single IPv4 address', networks: ['192.0.2.7'], address: '192.0.2.8', expected: false },
  { name: 'not an address at all', networks: ['0.0.0.0/0'], address: 'localhost', expected: false },
  { name: 'no trusted networks', networks: [], address: '127.0.0.1', expected: false },
];

for (const { name, networks, address, expected } of cases) {
  test(`trusted networks: ${name}`, () => {
    assert.equal(createTrustedNetworks(networks).contains(address), expected);
  });
}
