import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { devCert } from './dev-cert.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (text: string) => out.push(text), err: (text: string) => err.push(text) }, out, err };
}

test('dev-cert writes a self-signed certificate for the name, localhost and 127.0.0.1, with a private key only its owner can read', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'mailsort-devcert-')), 'tls');
  const { io, out } = capture();
  assert.equal(devCert(['--out', dir, '--name', 'relay.dev.test'], {}, io), 0);
  const cert = new X509Certificate(readFileSync(join(dir, 'cert.pem')));
  assert.match(cert.subject, /CN=relay\.dev\.test/);
  assert.ok(cert.checkHost('relay.dev.test'));
  assert.ok(cert.checkHost('localhost'));
  assert.ok(cert.checkIP('127.0.0.1'));
  assert.equal(statSync(join(dir, 'key.pem')).mode & 0o077, 0);
  createSecureContext({ cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) });
  assert.match(out.join('\n'), /cert_file: .*cert\.pem, key_file: .*key\.pem/);
});

test('dev-cert does not overwrite an existing certificate without --force', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailsort-devcert-'));
  assert.equal(devCert(['--out', dir], {}, capture().io), 0);
  const before = readFileSync(join(dir, 'cert.pem'), 'utf8');
  const { io, err } = capture();
  assert.equal(devCert(['--out', dir], {}, io), 1);
  assert.match(err.join(''), /--force/);
  assert.equal(readFileSync(join(dir, 'cert.pem'), 'utf8'), before);
  assert.equal(devCert(['--out', dir, '--force'], {}, capture().io), 0);
  assert.notEqual(readFileSync(join(dir, 'cert.pem'), 'utf8'), before);
});
