import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractTextBody } from './body-text.js';

const head = 'From: ci@example.com\r\nTo: alerts@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\n';
const part = (type: string, body: string, encoding = '7bit') => `Content-Type: ${type}\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n${body}\r\n`;
const multipart = (kind: string, ...parts: string[]) => `${head}Content-Type: multipart/${kind}; boundary=b\r\n\r\n${parts.map((p) => `--b\r\n${p}`).join('')}--b--\r\n`;

// Every shape an alert's body comes in reads as the same words, whether it has a text part or only HTML.
const cases: Array<{ name: string; raw: string }> = [
  { name: 'text/plain as the whole message', raw: head + part('text/plain; charset=utf-8', 'disk full on db1') },
  { name: 'text/plain in base64', raw: head + part('text/plain; charset=utf-8', Buffer.from('disk full on db1').toString('base64'), 'base64') },
  { name: 'text/html as the whole message', raw: head + part('text/html; charset=utf-8', '<p>disk <b>full</b> on db1</p>') },
  { name: 'multipart/alternative with only HTML', raw: multipart('alternative', part('text/html; charset=utf-8', '<p>disk full on db1</p>')) },
  {
    name: 'multipart/mixed: HTML and an attached log (Jenkins email-ext)',
    raw: multipart(
      'mixed',
      part('text/html; charset=iso-8859-1', '<p>disk full on db1 =E9t=E9</p>', 'quoted-printable'),
      part('text/plain; name=build.log\r\nContent-Disposition: attachment; filename=build.log', 'log line'),
    ),
  },
  { name: 'multipart/alternative with text and HTML: the text part wins', raw: multipart('alternative', part('text/plain', 'disk full on db1'), part('text/html', '<p>other words</p>')) },
];

for (const { name, raw } of cases) {
  test(`body text: ${name}`, async () => {
    const body = await extractTextBody(Buffer.from(raw, 'latin1'));
    assert.ok('text' in body, JSON.stringify(body));
    assert.match(body.text, /disk\s+full\s+on\s+db1/i);
    assert.doesNotMatch(body.text, /<p>|other words|log line/);
  });
}
