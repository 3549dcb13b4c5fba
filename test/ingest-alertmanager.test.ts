import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { stringify } from 'yaml';
import { freePort } from '@mailsort/cli';
import { cleanPrefix, hashOf, makeCert, startIngestSystem } from './ingest-helpers.js';
import { startSink } from './support/sink.js';

async function waitForReady(url: string, child: { exitCode: number | null }, output: string[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`alertmanager exited (${child.exitCode}): ${output.join('')}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`alertmanager not ready: ${output.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('Prometheus Alertmanager (require_tls, AUTH, insecure_skip_verify) delivers a firing alert through ingest to the upstream', async () => {
  const cert = makeCert();
  const sink = await startSink();
  const system = await startIngestSystem({
    name: 'ingest-alertmanager',
    upstreamPort: sink.port,
    services: ['sender', 'router', 'ingest'],
    listeners: [{ name: 'submission' }],
    ingest: {
      tls: { cert_file: cert.certFile, key_file: cert.keyFile },
      trusted_networks: ['10.0.0.0/8'],
      users: [{ username: 'alertmanager', password_hash: hashOf('am-secret'), allowed_senders: ['alertmanager@example.com'] }],
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'mailsort-alertmanager-'));
  const webPort = await freePort();
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    stringify({
      route: { receiver: 'oncall', group_by: ['alertname'], group_wait: '100ms', group_interval: '1s', repeat_interval: '1h' },
      receivers: [
        {
          name: 'oncall',
          email_configs: [
            {
              to: 'oncall@example.com',
              from: 'alertmanager@example.com',
              hello: 'alertmanager.test',
              // Alertmanager 0.25 cannot use an IPv6 smarthost.
              smarthost: `127.0.0.1:${system.ports.submission}`,
              auth_username: 'alertmanager',
              auth_password: 'am-secret',
              require_tls: true,
              tls_config: { insecure_skip_verify: true },
            },
          ],
        },
      ],
    }),
  );
  const output: string[] = [];
  const alertmanager = spawn(
    'prometheus-alertmanager',
    [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${webPort}`, '--cluster.listen-address='],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  alertmanager.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  alertmanager.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  after(async () => {
    if (alertmanager.exitCode === null) {
      const exited = new Promise((resolve) => alertmanager.once('exit', resolve));
      alertmanager.kill('SIGTERM');
      await exited;
    }
    await system.stop();
    await sink.close();
    await cleanPrefix(system.prefix);
  });

  await waitForReady(`http://127.0.0.1:${webPort}/-/ready`, alertmanager, output);
  const posted = await fetch(`http://127.0.0.1:${webPort}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ labels: { alertname: 'MailsortIngestTest', severity: 'critical' }, annotations: { summary: 'ingest accepts Alertmanager' } }]),
  });
  assert.equal(posted.status, 200, await posted.text());

  const [message] = await sink.waitForMessages(1, 30_000).catch((error: Error) => {
    throw new Error(`${error.message}; alertmanager said: ${output.join('').slice(-2000)}`);
  });
  assert.match(message!.subject, /\[FIRING:1\] MailsortIngestTest/);
  assert.deepEqual(message!.to, ['oncall@example.com']);
  assert.equal(message!.from, 'alertmanager@example.com');
  assert.match(message!.raw.toString('latin1'), /^Received: from alertmanager\.test \(\[127\.0\.0\.1\]\)\r\n\t\(using TLSv1\.3 with cipher [^)]+\)\r\n\t\(authenticated user alertmanager\)\r\n/);
});
