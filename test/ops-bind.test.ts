import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, test } from 'node:test';
import { writeConfigFile } from './support/config.js';
import { startService, type RunningService } from './support/processes.js';
import { uniquePrefix } from './support/redis.js';

let router: RunningService | undefined;
after(async () => {
  await router?.stop();
});

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

test('regression: the ops port bound to 0.0.0.0 by default — without http.host it answers on loopback only', async () => {
  // No http section at all: the default applies. 127.0.0.2 is another address of this host
  // (all of 127/8 is loopback on Linux), so a 0.0.0.0 bind would answer there too.
  const file = writeConfigFile({
    redis: { prefix: uniquePrefix('ops-bind') },
    ingest: { listeners: [{ name: 'smtp', host: '127.0.0.1', port: 0 }] },
    upstreams: [{ name: 'default', host: '127.0.0.1', port: 2, tls: 'none' }],
  });
  router = startService('router', file, { args: ['--http-port', '0'] });
  const started = await router.waitForLog((line) => line.msg === 'router started');
  const port = started.httpPort as number;
  assert.equal(await connects('127.0.0.1', port), true, 'reachable on 127.0.0.1');
  assert.equal(await connects('127.0.0.2', port), false, 'not reachable on another address of the host');
});
