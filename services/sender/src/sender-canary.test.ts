import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { freePort } from '@mailsort/cli';
import { startInProcess } from '../../../test/support/in-process.js';
import { createSenderService } from './sender-service.js';

const cleanUps: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanUp of cleanUps) await cleanUp();
});

test('reload() moves the canary to another upstream: the old series go, the next probe reports the new one', async () => {
  // No ingest listens: every probe is refused, which is enough to see which upstream it is for.
  const closed = await freePort();
  const base = {
    ingest: { listeners: [{ name: 'smtp', host: '127.0.0.1', port: closed }] },
    upstreams: [
      { name: 'default', host: '127.0.0.1', port: closed, tls: 'none' },
      { name: 'backup', host: '127.0.0.1', port: closed, tls: 'none' },
    ],
    routing: { default_upstream: 'default' },
  };
  const sender = await startInProcess('sender-canary', createSenderService, { ...base, canary: { every: '1s', to: 'canary@probe.test' } });
  cleanUps.push(() => sender.cleanUp());
  const failedFor = (upstream: string) => (line: { msg?: string; upstream?: unknown; outcome?: unknown }) =>
    line.msg === 'canary probe did not reach its upstream' && line.upstream === upstream && line.outcome === 'refused';
  await sender.waitForLog(failedFor('default'), 'a refused probe for default');
  assert.match(await sender.registry.metrics(), /^mailsort_canary_success\{upstream="default"[^}]*\} 0$/m);

  await sender.service.reload!(sender.configWith({ ...base, canary: { every: '1s', to: 'canary@probe.test', upstream: 'backup' } }));
  await sender.waitForLog(failedFor('backup'), 'a refused probe for backup');
  const text = await sender.registry.metrics();
  assert.match(text, /^mailsort_canary_success\{upstream="backup"[^}]*\} 0$/m);
  assert.doesNotMatch(text, /^mailsort_canary_success\{upstream="default"/m, 'the old upstream is no longer reported');
});
