import assert from 'node:assert/strict';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { createLogger, createMetricsRegistry, loadConfig } from '@mailsort/core';
import { deletePrefix, testRedis, uniquePrefix } from '../../../test/support/redis.js';
import { selfSignedCertificate } from '../../../test/support/scripted-smtp.js';
import { buildConsoleApp } from './console-service.js';
import { createConsoleContext } from './console-context.js';

const redis = testRedis();
const prefix = uniquePrefix('console-tls');
after(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

function post(port: number, path: string, body: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('under console.tls the console speaks HTTPS and its session cookie is Secure as well as HttpOnly and SameSite=Strict', async () => {
  const certificate = selfSignedCertificate();
  const hash = bcrypt.hashSync('pw', 4);
  const { config } = loadConfig(
    { file: 'm.yml', text: `redis: { prefix: ${prefix} }\nupstreams: [{ name: default, host: mx }]\nconsole:\n  users: [{ name: alice, password_hash: "${hash}", role: admin }]\n` },
    {},
  );
  const context = createConsoleContext(config, redis, createLogger({ service: 'console', level: 'silent' }), createMetricsRegistry('console'));
  const app = buildConsoleApp(context, { cert: certificate.cert, key: certificate.key });
  await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const { port } = app.server.address() as AddressInfo;
    const refused = await post(port, '/login', 'user=alice&password=wrong');
    assert.equal(refused.status, 401);
    const done = await post(port, '/login', 'user=alice&password=pw&next=/messages');
    assert.equal(done.status, 303);
    assert.equal(done.headers.location, '/messages');
    const cookie = String(done.headers['set-cookie']);
    assert.match(cookie, /mailsort_console=[\w-]{40,};/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Secure/);
    assert.match(cookie, /^__Host-mailsort_console=/, 'a Secure cookie carries the __Host- prefix');
    assert.equal(done.headers['strict-transport-security'], 'max-age=31536000', 'HSTS under TLS');
    const offsite = await post(port, '/login', 'user=alice&password=pw&next=//evil.example.com/');
    assert.equal(offsite.headers.location, '/', 'a login never sends the user to another site');
  } finally {
    await app.close();
  }
});
