import assert from 'node:assert/strict';
import { test } from 'node:test';
import { receivedHeader, type ReceivedFacts } from './received-header.js';

const base: ReceivedFacts = {
  helo: 'build1.example.com',
  clientHostname: undefined,
  clientAddress: '192.0.2.10',
  byHostname: 'relay.example.com',
  id: 'M0000000000000000000',
  tls: undefined,
  user: undefined,
  recipients: ['team@example.com'],
  date: new Date(Date.UTC(2026, 10, 22, 9, 5, 3)),
};

test('a plain trusted session is received "with ESMTP", naming its single recipient', () => {
  assert.equal(
    receivedHeader(base),
    ['Received: from build1.example.com ([192.0.2.10])', '\tby relay.example.com (mailsort) with ESMTP id M0000000000000000000', '\tfor <team@example.com>; Sun, 22 Nov 2026 09:05:03 +0000', ''].join(
      '\r\n',
    ),
  );
});

test('a TLS session with AUTH is "with ESMTPSA" and names the protocol, cipher and user, never a password', () => {
  const header = receivedHeader({ ...base, tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' }, user: 'alertmanager' });
  assert.match(header, /\r\n\t\(using TLSv1\.3 with cipher TLS_AES_256_GCM_SHA384\)\r\n/);
  assert.match(header, /\r\n\t\(authenticated user alertmanager\)\r\n/);
  assert.match(header, /with ESMTPSA id /);
});

test('TLS without AUTH is "with ESMTPS"', () => {
  assert.match(receivedHeader({ ...base, tls: { protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256' } }), /with ESMTPS id /);
});

test('IPv6 clients are written as IPv6: address literals', () => {
  assert.match(receivedHeader({ ...base, clientAddress: '2001:db8::1' }), /^Received: from build1\.example\.com \(\[IPv6:2001:db8::1\]\)\r\n/);
});

test('several recipients are not listed, so a Bcc list is not disclosed', () => {
  const header = receivedHeader({ ...base, recipients: ['a@example.com', 'hidden@example.com'] });
  assert.doesNotMatch(header, /hidden/);
  assert.match(header, /\r\n\tSun, 22 Nov 2026 09:05:03 \+0000\r\n$/);
});

test('CR and LF in client-supplied names cannot start a new header line', () => {
  const header = receivedHeader({ ...base, helo: 'x\r\nX-Injected: yes', user: 'u\r\nBcc: victim@example.com' });
  assert.equal(header.split('\r\n').filter((line) => /^[^\t]/.test(line)).length, 1, 'only the Received: line starts unfolded');
});

test('a missing HELO is written as unknown', () => {
  assert.match(receivedHeader({ ...base, helo: undefined }), /^Received: from unknown /);
});

test('regression: characters whose low byte is CR LF (U+4E0D U+4E0A) in EHLO, user or recipient are written as printable ASCII', () => {
  const header = receivedHeader({
    ...base,
    helo: 'evil\u4e0d\u4e0abcc: victim@example.com',
    clientHostname: 'ptr\u010d\u010aX-Forged: 1',
    user: 'u\u{1f60d}\u0100',
    recipients: ['j\u4e0d\u4e0arg@example.com'],
  });
  assert.match(header, /^(?:[\x20-\x7e\t]*\r\n)+$/, 'printable ASCII lines only');
  assert.equal(header.split('\r\n').filter((line) => /^[^\t]/.test(line)).length, 1, 'only the Received: line starts unfolded');
  assert.doesNotMatch(header, /for </, 'a recipient without an ASCII spelling is left out');
});
