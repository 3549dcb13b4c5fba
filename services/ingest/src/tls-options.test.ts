import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MailsortError } from '@mailsort/core';
import { makeCert } from '../../../test/ingest-helpers.js';
import { loadTlsFiles } from './tls-options.js';

const dir = mkdtempSync(join(tmpdir(), 'mailsort-tls-'));

const { certFile, keyFile } = makeCert();

test('a readable certificate and key load with TLS 1.2 as the default minimum', () => {
  const files = loadTlsFiles({ cert_file: certFile, key_file: keyFile, min_version: 'TLSv1.2' });
  assert.equal(files.minVersion, 'TLSv1.2');
  assert.match(files.cert.toString(), /BEGIN CERTIFICATE/);
});

test('a missing key file is a TLS_UNREADABLE error naming the key and the path', () => {
  assert.throws(
    () => loadTlsFiles({ cert_file: certFile, key_file: join(dir, 'missing.pem'), min_version: 'TLSv1.2' }),
    (error: unknown) => {
      assert.ok(error instanceof MailsortError);
      assert.equal(error.code, 'TLS_UNREADABLE');
      assert.match(error.message, /^ingest\.tls\.key_file: cannot read .*missing\.pem/);
      return true;
    },
  );
});

test('a key that does not belong to the certificate is refused at load', () => {
  const other = makeCert();
  assert.throws(
    () => loadTlsFiles({ cert_file: certFile, key_file: other.keyFile, min_version: 'TLSv1.2' }),
    (error: unknown) => error instanceof MailsortError && error.code === 'TLS_UNREADABLE' && /not a usable PEM/.test(error.message),
  );
});

test('a file that is not PEM is refused at load', () => {
  const junk = join(dir, 'junk.pem');
  writeFileSync(junk, 'not a certificate\n');
  assert.throws(() => loadTlsFiles({ cert_file: junk, key_file: keyFile, min_version: 'TLSv1.2' }), /not a usable PEM/);
});
