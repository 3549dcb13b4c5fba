import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canaryProbeId } from './canary-store.js';

const ID = '0123456789abcdef0123456789abcdef';

const cases: Array<{ name: string; headers: string; expected: string | undefined }> = [
  { name: 'one well-formed header names its probe', headers: `Subject: x\r\nX-Mailsort-Canary: ${ID}\r\n\r\n`, expected: ID },
  { name: 'the header name in any case', headers: `x-mailsort-canary:  ${ID} \r\n\r\n`, expected: ID },
  { name: 'no header', headers: 'Subject: x\r\n\r\n', expected: undefined },
  { name: 'two headers (one added by a hostile client) name no probe', headers: `X-Mailsort-Canary: ${ID}\r\nX-Mailsort-Canary: ${ID}\r\n\r\n`, expected: undefined },
  { name: 'a value that is not a probe id', headers: 'X-Mailsort-Canary: *\r\n\r\n', expected: undefined },
  { name: 'upper-case hex is not what the canary writes', headers: `X-Mailsort-Canary: ${ID.toUpperCase()}\r\n\r\n`, expected: undefined },
];

for (const { name, headers, expected } of cases) {
  test(`canaryProbeId: ${name}`, () => assert.equal(canaryProbeId(headers), expected));
}
