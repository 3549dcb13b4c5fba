import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { createDeliveryHarness, rawMessage, senderConfig } from './support/deliver-jobs.js';
import { startServiceReady } from './support/processes.js';
import { startScriptedSmtp } from './support/scripted-smtp.js';

async function startWebhookServer(statuses: number[]) {
  const requests: Array<{ path: string; body: unknown; contentType: string | undefined }> = [];
  let calls = 0;
  const server = createServer((request: IncomingMessage, response) => {
    let text = '';
    request
      .setEncoding('utf8')
      .on('data', (chunk: string) => (text += chunk))
      .on('end', () => {
        const status = statuses[calls] ?? 200;
        calls += 1;
        if (status === 200) requests.push({ path: request.url ?? '', body: JSON.parse(text), contentType: request.headers['content-type'] });
        response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : `status ${status}`);
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: (path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    requests,
    get calls() {
      return calls;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('webhook deliveries: Slack brief and full bodies, mailsort JSON, 5xx retried, 4xx failed at once', async () => {
  const hooks = await startWebhookServer([503]);
  const refusing = await startWebhookServer([404]);
  const upstream = await startScriptedSmtp();
  const harness = await createDeliveryHarness('webhook');
  const sender = await startServiceReady('sender', senderConfig(harness.prefix, [{ name: 'main', host: '127.0.0.1', port: upstream.port, tls: 'none' }]), { args: ['--http-port', '0'] });
  after(async () => {
    await sender.stop();
    await Promise.all([hooks.close(), refusing.close(), upstream.close()]);
    await harness.close();
  });

  const raw = rawMessage('Stage [api/42/build/1] failed', 'Build failed at step compile.\r\nSecond line.\r\n');
  const jobs = await harness.enqueue(raw, [
    { kind: 'webhook', url: hooks.url('/brief'), format: 'slack', style: 'brief' },
    { kind: 'webhook', url: hooks.url('/full'), format: 'slack', style: 'full' },
    { kind: 'webhook', url: hooks.url('/json'), format: 'json', style: 'full' },
    { kind: 'webhook', url: refusing.url('/gone'), format: 'json', style: 'brief' },
  ]);
  const results = await Promise.all(jobs.map((job) => harness.waitFinished(job.deliveryId)));
  assert.deepEqual(
    results.map((r) => r.state),
    ['completed', 'completed', 'completed', 'failed'],
  );
  assert.match(results[3]!.detail, /^failed: HTTP 404/);
  assert.equal(hooks.calls, 4, 'the 503 was retried once');
  assert.equal(refusing.calls, 1, 'the 404 was not retried');

  const byPath = Object.fromEntries(hooks.requests.map((r) => [r.path, r.body]));
  assert.deepEqual(byPath['/brief'], {
    text: 'Stage [api/42/build/1] failed',
    attachments: [{ title: 'Stage [api/42/build/1] failed', text: 'Build failed at step compile.', fallback: 'Stage [api/42/build/1] failed', color: 'danger' }],
  });
  assert.deepEqual(byPath['/full'], {
    text: 'Message from: "CI" <ci@example.com>',
    attachments: [{ title: 'Stage [api/42/build/1] failed', text: 'Build failed at step compile.\nSecond line.\n', fallback: 'Stage [api/42/build/1] failed', color: 'danger' }],
  });
  const json = byPath['/json'] as Record<string, unknown>;
  assert.equal(json.mailsort, 1);
  assert.equal(json.id, jobs[2]!.id);
  assert.equal(json.deliveryId, jobs[2]!.deliveryId);
  assert.deepEqual(json.envelope, { from: 'ci@example.com', to: ['team@example.com'] });
  assert.equal(json.subject, 'Stage [api/42/build/1] failed');
  assert.equal(json.level, 'error');
  assert.equal(json.text, 'Build failed at step compile.\nSecond line.\n');
  assert.ok(hooks.requests.every((r) => r.contentType?.startsWith('application/json')));
  assert.ok(!JSON.stringify(sender.logs).includes(hooks.url('/')), 'webhook URLs (secrets) are never logged');
});
