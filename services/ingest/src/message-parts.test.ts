import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorCodeOf } from '@mailsort/core';
import { messageParts } from './message-parts.js';

const RECEIVED = Buffer.from('Received: from x\r\n');
const LIMIT = 1024;
const KiB = (n: number, byte = 0x78) => Buffer.alloc(n * 1024, byte);

/** The message cut into DATA chunks of `size` bytes, as smtp-server hands them over. */
function chunked(message: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < message.length; at += size) chunks.push(message.subarray(at, at + size));
  return chunks;
}

function stored(message: Buffer, chunkSize: number): { raw: Buffer; headers: string } {
  const { parts, size, headers } = messageParts(RECEIVED, chunked(message, chunkSize), LIMIT);
  const raw = Buffer.concat(parts);
  assert.equal(raw.length, size);
  return { raw, headers };
}

const tooBig = (error: unknown) => errorCodeOf(error) === 'MESSAGE_TOO_BIG';

test('a small message: Received first, header lines made CRLF, the body byte for byte', () => {
  const { raw, headers } = stored(Buffer.from('Subject: x\nTo: a@b\n\nline\none\r\n'), 7);
  assert.equal(raw.toString('latin1'), 'Received: from x\r\nSubject: x\r\nTo: a@b\r\n\r\nline\none\r\n');
  assert.equal(headers, 'Received: from x\r\nSubject: x\r\nTo: a@b\r\n\r\n');
});

test('regression: a blank line falling exactly where the first chunks end past the limit was a false 552 — the header ends there', () => {
  const header = Buffer.from(`Subject: ${'v'.repeat(LIMIT - 20)}\r\n\r\n`);
  const body = KiB(2048);
  const { raw, headers } = stored(Buffer.concat([header, body]), header.length);
  assert.equal(headers, `${RECEIVED.toString('latin1')}${header.toString('latin1')}`);
  assert.ok(raw.subarray(RECEIVED.length + header.length).equals(body), 'the body is byte for byte');
});

test('regression: a long body line without a line end after a short header (no blank line) was a false 552 — the body starts at it', () => {
  const message = Buffer.concat([Buffer.from('Subject: x\r\n'), Buffer.from('plain text '), KiB(2048)]);
  const { raw, headers } = stored(message, 64 * 1024);
  assert.equal(headers, `${RECEIVED.toString('latin1')}Subject: x\r\n`);
  assert.ok(raw.subarray(RECEIVED.length).equals(message));
});

test('a header field longer than the limit is MESSAGE_TOO_BIG, also when it is cut where the read ends', () => {
  assert.throws(() => messageParts(RECEIVED, chunked(Buffer.concat([Buffer.from('X-Long: '), KiB(4), Buffer.from('\r\n\r\nbody')]), 512), LIMIT), tooBig);
  assert.throws(() => messageParts(RECEIVED, chunked(Buffer.concat([Buffer.from('X-Long: '), KiB(2048), Buffer.from('\r\n\r\nbody')]), 64 * 1024), LIMIT), tooBig);
  const fields = Buffer.from(Array.from({ length: 100 }, (_, i) => `X-F${i}: ${'v'.repeat(40)}\r\n`).join(''));
  assert.throws(() => messageParts(RECEIVED, chunked(Buffer.concat([fields, Buffer.from('\r\nbody')]), 300), LIMIT), tooBig);
});

test('a large message is stored as parts, not joined; a small one as one buffer', () => {
  assert.equal(messageParts(RECEIVED, [Buffer.from('Subject: x\r\n\r\n'), KiB(1)], LIMIT).parts.length, 1);
  assert.ok(messageParts(RECEIVED, [Buffer.from('Subject: x\r\n\r\n'), KiB(1024), KiB(1024)], LIMIT).parts.length > 1);
});
