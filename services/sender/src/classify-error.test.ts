import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifySmtpError, replyOf, type SmtpFailure, type Verdict } from './classify-error.js';

const cases: Array<{ name: string; error: SmtpFailure; expected: Verdict }> = [
  { name: '451 after DATA is retried', error: { code: 'EMESSAGE', responseCode: 451, command: 'DATA' }, expected: { action: 'retry', scope: 'message', reason: 'deferred' } },
  { name: '450 to RCPT TO is retried', error: { code: 'EENVELOPE', responseCode: 450, command: 'RCPT TO' }, expected: { action: 'retry', scope: 'message', reason: 'deferred' } },
  { name: '550 to RCPT TO fails at once', error: { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' }, expected: { action: 'fail', scope: 'message', reason: 'rejected' } },
  { name: '554 after DATA fails at once', error: { code: 'EMESSAGE', responseCode: 554, command: 'DATA' }, expected: { action: 'fail', scope: 'message', reason: 'rejected' } },
  { name: '553 to MAIL FROM fails at once', error: { code: 'EENVELOPE', responseCode: 553, command: 'MAIL FROM' }, expected: { action: 'fail', scope: 'message', reason: 'rejected' } },
  { name: '503 bad sequence is retried, not failed', error: { code: 'EENVELOPE', responseCode: 503, command: 'DATA' }, expected: { action: 'retry', scope: 'message', reason: 'deferred' } },
  { name: '421 greeting is an upstream problem', error: { code: 'EPROTOCOL', responseCode: 421, command: 'CONN' }, expected: { action: 'retry', scope: 'upstream', reason: 'upstream_unavailable' } },
  {
    name: '421 in the middle of a transaction is an upstream problem',
    error: { code: 'EENVELOPE', responseCode: 421, command: 'RCPT TO' },
    expected: { action: 'retry', scope: 'upstream', reason: 'upstream_unavailable' },
  },
  {
    name: '554 greeting (no service) is retried on another upstream',
    error: { code: 'EPROTOCOL', responseCode: 554, command: 'CONN' },
    expected: { action: 'retry', scope: 'upstream', reason: 'upstream_unavailable' },
  },
  {
    name: '535 authentication failure is retried like Postfix does',
    error: { code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' },
    expected: { action: 'retry', scope: 'upstream', reason: 'auth' },
  },
  { name: 'refused STARTTLS is an upstream TLS problem', error: { code: 'ETLS', responseCode: 502, command: 'STARTTLS' }, expected: { action: 'retry', scope: 'upstream', reason: 'tls' } },
  { name: 'TLS handshake failure is retried', error: { code: 'ETLS', command: 'STARTTLS' }, expected: { action: 'retry', scope: 'upstream', reason: 'tls' } },
  {
    name: 'a self-signed certificate (reported as a socket error) is a TLS problem',
    error: { code: 'ESOCKET', command: 'CONN', originalCode: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
    expected: { action: 'retry', scope: 'upstream', reason: 'tls' },
  },
  {
    name: 'a certificate for another name is a TLS problem',
    error: { code: 'ESOCKET', command: 'CONN', originalCode: 'ERR_TLS_CERT_ALTNAME_INVALID' },
    expected: { action: 'retry', scope: 'upstream', reason: 'tls' },
  },
  { name: 'connection refused is retried', error: { code: 'ECONNECTION', command: 'CONN' }, expected: { action: 'retry', scope: 'upstream', reason: 'connection' } },
  { name: 'a dropped socket is retried', error: { code: 'ESOCKET' }, expected: { action: 'retry', scope: 'upstream', reason: 'connection' } },
  { name: 'a timeout is retried', error: { code: 'ETIMEDOUT', command: 'CONN' }, expected: { action: 'retry', scope: 'upstream', reason: 'timeout' } },
  { name: 'a DNS failure is retried', error: { code: 'EDNS' }, expected: { action: 'retry', scope: 'upstream', reason: 'dns' } },
  { name: 'an envelope nodemailer refuses to send fails', error: { code: 'EENVELOPE', command: 'API' }, expected: { action: 'fail', scope: 'message', reason: 'invalid_envelope' } },
  { name: 'an unknown error is retried', error: {}, expected: { action: 'retry', scope: 'message', reason: 'unknown' } },
];

for (const { name, error, expected } of cases) {
  test(`classifier: ${name}`, () => assert.deepEqual(classifySmtpError(error), expected));
}

test('replyOf prefers the server reply and falls back to the error code and message', () => {
  assert.equal(replyOf({ response: '550 5.1.1 no such user\r\n', message: 'x' }), '550 5.1.1 no such user');
  assert.equal(replyOf(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNECTION' })), 'ECONNECTION connect ECONNREFUSED');
});
