import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deadLetterNotice } from './dead-letter-notice.js';

test('a dead-letter notice names the delivery, the reply, the refused recipients and how to act, with the original header', () => {
  const original = Buffer.from('Subject: Build\r\n broken\r\nFrom: ci@example.com\r\n\r\nbody\r\n');
  const notice = deadLetterNotice(
    {
      delivery: {
        v: 1,
        id: 'M0000000000000000001',
        deliveryId: 'd-M0000000000000000001-0',
        acceptedAt: 0,
        original: { from: 'ci@example.com', to: ['a@x', 'b@x'] },
        destination: { kind: 'smtp', upstream: 'corp', envelope: { from: 'ci@example.com', to: ['a@x', 'b@x'] } },
      },
      attempts: 3,
      recipients: { 'b@x': { status: 'rejected', reply: '550 5.1.1 no such user', upstream: 'corp', at: 0 }, 'a@x': { status: 'accepted', reply: '250 ok', upstream: 'corp', at: 0 } },
      result: 'partial',
      upstream: 'corp',
      reply: '550 5.1.1 no such user',
      hostname: 'relay.test',
      noticeId: 'M0000000000000000002',
      to: ['postmaster@x'],
      now: new Date(0),
    },
    original,
  ).toString('utf8');
  const end = notice.indexOf('\r\n\r\n');
  const head = notice.slice(0, end);
  const body = notice.slice(end + 4);
  assert.match(head, /^Subject: Undelivered mail \(partial\): Build broken$/m);
  assert.match(head, /^From: Mail Delivery System <MAILER-DAEMON@relay\.test>$/m);
  assert.match(head, /^Auto-Submitted: auto-replied$/m);
  assert.match(body, /attempts: {6}3/);
  assert.match(body, /rejected: {6}b@x: 550 5\.1\.1 no such user/);
  assert.doesNotMatch(body, /rejected: +a@x/);
  assert.match(body, /mailsort queue retry d-M0000000000000000001-0/);
  assert.ok(notice.includes('Subject: Build\r\n broken\r\nFrom: ci@example.com\r\n\r\nbody\r\n'), 'the original is attached as it was');
  assert.match(head, /^Content-Type: multipart\/mixed; boundary="=_mailsort_[0-9a-f]{24}"$/m);
  assert.match(body, /^Content-Type: message\/rfc822\r$/m);
  assert.match(notice, /--=_mailsort_[0-9a-f]{24}--\r\n$/);
});
