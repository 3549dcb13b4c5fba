import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createDeliveryHarness, rawMessage, senderConfig } from './support/deliver-jobs.js';
import { startPostfixSmarthost } from './support/postfix.js';
import { startServiceReady } from './support/processes.js';
import { selfSignedCertificate, startScriptedSmtp } from './support/scripted-smtp.js';

test('through a real Postfix smarthost that requires STARTTLS: delivered over verified TLS, and a recipient Postfix refuses is recorded', async () => {
  const certificate = selfSignedCertificate('localhost');
  const final = await startScriptedSmtp();
  const postfix = await startPostfixSmarthost({
    relayPort: final.port,
    certificate,
    main: ['smtpd_recipient_restrictions = check_recipient_access inline:{ { nobody@example.com = 550 5.1.1 <nobody@example.com>: no such user } }, permit_mynetworks, reject'],
  });
  const harness = await createDeliveryHarness('postfix');
  const sender = await startServiceReady(
    'sender',
    senderConfig(harness.prefix, [
      {
        name: 'smarthost',
        host: '127.0.0.1',
        port: postfix.port,
        tls: 'starttls',
        hello: 'mailsort.test',
        tls_config: { ca_file: certificate.certFile, min_version: 'TLS12' },
      },
    ]),
    { args: ['--http-port', '0'] },
  );
  after(async () => {
    await sender.stop();
    postfix.stop();
    await final.close();
    await harness.close();
  });

  const raw = rawMessage('via postfix', 'Line one.\r\n.a line that starts with a dot\r\n..two dots\r\n');
  const [job] = await harness.enqueue(raw, [{ kind: 'smtp', upstream: 'smarthost', envelope: { from: 'ci@example.com', to: ['ok@example.com', 'nobody@example.com'] } }]);
  const finished = await harness.waitFinished(job!.deliveryId);
  assert.equal(finished.state, 'failed');
  assert.match(finished.detail, /^partial: 550 5\.1\.1 <nobody@example\.com>/);

  const [relayed] = await final.waitForMessages(1);
  assert.deepEqual(relayed!.to, ['ok@example.com']);
  const text = relayed!.raw.toString('latin1');
  assert.match(text, /^Received: from mailsort\.test \(localhost \[127\.0\.0\.1\]\)\r\n\t\(using TLSv1\.[23]/m, 'Postfix saw our EHLO name over TLS');
  assert.ok(text.endsWith(raw.toString('latin1').slice(raw.indexOf('\r\n\r\n') + 4)), 'the body, dot lines included, arrived intact');
  assert.match(postfix.maillog(), /TLS connection established from localhost\[127\.0\.0\.1\]: TLSv1\.[23]/);
});
