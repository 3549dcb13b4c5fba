import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { createLogger, createMetricsRegistry, loadConfig, type Config } from '@mailsort/core';
import { deletePrefix, testRedis, uniquePrefix } from '../../../test/support/redis.js';
import { dummyHash } from './auth.js';
import { createConsoleContext, type ConsoleContext } from './console-context.js';
import { buildConsoleApp } from './console-service.js';

// The security review's findings (docs/console.md, Security), each against a started console over HTTP.
const redis = testRedis();
const prefix = uniquePrefix('console-sec');
const HASH = bcrypt.hashSync('pw', 4);
const OTHER_HASH = bcrypt.hashSync('new-pw', 4);

function configWith(extra: string, hash = HASH): Config {
  return loadConfig(
    {
      file: 'm.yml',
      text: `redis: { prefix: ${prefix} }\nupstreams: [{ name: default, host: mx }]\nconsole:\n  users: [{ name: alice, password_hash: "${hash}", role: admin }, { name: bob, password_hash: "${hash}", role: read-only }]\n${extra}`,
    },
    {},
  ).config;
}

let context: ConsoleContext;
let app: ReturnType<typeof buildConsoleApp>;
let port: number;

before(async () => {
  context = createConsoleContext(configWith('  session_ttl: 1500ms\n  session_max_age: 1h\n'), redis, createLogger({ service: 'console', level: 'silent' }), createMetricsRegistry('console'));
  app = buildConsoleApp(context, undefined);
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
});
after(async () => {
  await app.close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(method: string, path: string, options: { body?: string | Buffer; headers?: Record<string, string>; bodyless?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { host: `127.0.0.1:${port}`, ...options.headers };
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
      headers['content-length'] = Buffer.byteLength(options.body);
    }
    if (options.bodyless !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = options.bodyless;
    }
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (options.bodyless !== undefined) {
      // Headers only: the answer must come without the body ever being sent.
      req.flushHeaders();
      setTimeout(() => req.destroy(new Error('no answer without the body: it was waited for')), 3000).unref();
      return;
    }
    req.end(options.body);
  });
}

const cookieOf = (answer: Answer) => String(answer.headers['set-cookie']).split(';')[0]!;

async function login(user = 'alice', password = 'pw'): Promise<{ cookie: string; csrf: string }> {
  const answer = await send('POST', '/login', { body: `user=${user}&password=${password}` });
  assert.equal(answer.status, 303, answer.body);
  const cookie = cookieOf(answer);
  const page = await send('GET', '/explain', { headers: { cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  assert.ok(csrf, 'the page carries the CSRF token');
  return { cookie, csrf };
}

test('100 parallel wrong-password logins from one address check at most 10 passwords (counted before comparing), the rest 429', async () => {
  const answers = await Promise.all(Array.from({ length: 100 }, () => send('POST', '/login', { body: 'user=carol&password=guess' })));
  const checked = answers.filter((answer) => answer.status === 401).length;
  assert.ok(checked <= 10, `${checked} guesses were checked`);
  assert.equal(checked + answers.filter((answer) => answer.status === 429).length, 100);
  const later = await send('POST', '/login', { body: 'user=carol&password=guess' });
  assert.equal(later.status, 429, 'the limit holds after the burst');
  context.throttle = (await import('./login-throttle.js')).createLoginThrottle();
});

test('an unauthenticated POST is answered 401 before its body is read; other forms take 16 KB, explain 1 MB with a clear 413', async () => {
  const unread = await send('POST', '/dead-letters/retry', { bodyless: 5 * 1024 * 1024 });
  assert.equal(unread.status, 401);
  const { cookie, csrf } = await login();
  const big = await send('POST', '/logout', { headers: { cookie }, body: `_csrf=${csrf}&pad=${'x'.repeat(20_000)}` });
  assert.equal(big.status, 413);
  const huge = await send('POST', '/explain', { headers: { cookie }, body: `_csrf=${csrf}&eml=${'x'.repeat(1_100_000)}` });
  assert.equal(huge.status, 413);
  assert.match(huge.body, /at most 1 MB.*mailsort explain/);
});

test('another Host name is 421 (DNS rebinding); loopback names with the port and console.public_hosts are answered', async () => {
  assert.equal((await send('GET', '/login', { headers: { host: 'evil.example' } })).status, 421);
  assert.equal((await send('GET', '/login', { headers: { host: `evil.example:${port}` } })).status, 421);
  assert.equal((await send('GET', '/login', { headers: { host: `localhost:${port}` } })).status, 200);
  assert.equal((await send('GET', '/login', { headers: { host: `[::1]:${port}` } })).status, 200);
  const previous = context.config;
  context.config = configWith('  public_hosts: [console.example.com]\n');
  try {
    assert.equal((await send('GET', '/login', { headers: { host: 'console.example.com' } })).status, 200);
  } finally {
    context.config = previous;
  }
});

test('a login redirects only to a plain path of the console: tab, backslash, // and CRLF tricks go to /', async () => {
  for (const next of ['/\t/evil.example', '/\\evil.example', '//evil.example', '/a//evil.example', '/x\r\nSet-Cookie: a=b', 'https://evil.example/']) {
    const answer = await send('POST', '/login', { body: `user=alice&password=pw&next=${encodeURIComponent(next)}` });
    assert.equal(answer.status, 303, JSON.stringify(next));
    assert.equal(answer.headers.location, '/', JSON.stringify(next));
  }
  const fine = await send('POST', '/login', { body: `user=alice&password=pw&next=${encodeURIComponent('/messages?q=abc&since=2026-01-01')}` });
  assert.equal(fine.headers.location, '/messages?q=abc&since=2026-01-01');
});

test('a cross-site state-changing request is refused, the login included (Origin, or Sec-Fetch-Site without it)', async () => {
  assert.equal((await send('POST', '/login', { headers: { origin: 'https://evil.example' }, body: 'user=alice&password=pw' })).status, 403);
  assert.equal((await send('POST', '/login', { headers: { origin: 'null' }, body: 'user=alice&password=pw' })).status, 403);
  assert.equal((await send('POST', '/login', { headers: { origin: 'null', 'sec-fetch-site': 'cross-site' }, body: 'user=alice&password=pw' })).status, 403);
  // Chromium's own form post under Referrer-Policy: no-referrer.
  assert.equal((await send('POST', '/login', { headers: { origin: 'null', 'sec-fetch-site': 'same-origin' }, body: 'user=alice&password=pw' })).status, 303);
  assert.equal((await send('POST', '/login', { headers: { 'sec-fetch-site': 'cross-site' }, body: 'user=alice&password=pw' })).status, 403);
  assert.equal((await send('POST', '/login', { headers: { origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' }, body: 'user=alice&password=pw' })).status, 303);
});

test('a password change ends the sessions; polling does not keep a session alive; session_max_age ends a busy one', async () => {
  const first = await login();
  assert.equal((await send('GET', '/api/overview', { headers: { cookie: first.cookie } })).status, 200);
  const previous = context.config;
  context.config = configWith('  session_ttl: 1500ms\n', OTHER_HASH);
  try {
    assert.equal((await send('GET', '/api/overview', { headers: { cookie: first.cookie } })).status, 401, 'old password, old session');
  } finally {
    context.config = previous;
  }

  const polled = await login();
  for (let i = 0; i < 4; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    if ((await send('GET', '/overview/live', { headers: { cookie: polled.cookie } })).status === 401) break;
  }
  assert.equal((await send('GET', '/api/overview', { headers: { cookie: polled.cookie } })).status, 401, 'polling for 2 s did not extend a 1.5 s idle TTL');

  context.config = configWith('  session_ttl: 1h\n  session_max_age: 1s\n');
  try {
    const busy = await login();
    for (let i = 0; i < 3; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 400));
      await send('GET', '/messages', { headers: { cookie: busy.cookie } });
    }
    assert.equal((await send('GET', '/messages', { headers: { cookie: busy.cookie } })).status, 302, 'past session_max_age: back to the login');
  } finally {
    context.config = previous;
  }
});

test('an unknown user name is checked against a dummy hash as costly as the costliest configured user', () => {
  const users = [
    { name: 'a', password_hash: bcrypt.hashSync('x', 4), role: 'admin' as const },
    { name: 'b', password_hash: bcrypt.hashSync('x', 11), role: 'admin' as const },
  ];
  assert.equal(bcrypt.getRounds(dummyHash(users)), 11);
  assert.equal(bcrypt.getRounds(dummyHash([])), 10);
});

test('/assets/__proto__ and /assets/constructor are 404, not 500', async () => {
  const { cookie } = await login();
  for (const name of ['__proto__', 'constructor', 'toString']) assert.equal((await send('GET', `/assets/${name}`, { headers: { cookie } })).status, 404, name);
  assert.equal((await send('GET', '/assets/console.css')).status, 200);
});

test('explain reads pasted mail as UTF-8', async () => {
  const { cookie, csrf } = await login();
  const eml = 'From: a@example.com\nTo: b@example.com\nSubject: Grüße aus Köln\n\nbody\n';
  const answer = await send('POST', '/explain', { headers: { cookie }, body: `_csrf=${csrf}&to=b%40example.com&eml=${encodeURIComponent(eml)}` });
  assert.equal(answer.status, 200, answer.body);
  assert.match(answer.body, /Grüße aus Köln/);
});

test('the audit list records logins, a refused read-only retry, and an attempted entry before each operation with its outcome and exit after', async () => {
  await send('POST', '/login', { body: 'user=alice&password=wrong' });
  const bob = await login('bob');
  assert.equal((await send('POST', '/dead-letters/retry', { headers: { cookie: bob.cookie }, body: `_csrf=${bob.csrf}&target=d-nothing` })).status, 403);
  const alice = await login();
  assert.equal((await send('POST', '/dead-letters/retry', { headers: { cookie: alice.cookie }, body: `_csrf=${alice.csrf}&target=d-nothing` })).status, 409);
  const [outcome, attempted, ...older] = await context.audit.recent(20);
  assert.deepEqual([outcome?.action, outcome?.result, outcome?.exit, outcome?.target], ['retry', 'refused', 1, 'd-nothing']);
  assert.deepEqual([attempted?.action, attempted?.result, attempted?.exit], ['retry', 'attempted', null]);
  assert.ok(older.some((entry) => entry.user === 'bob' && entry.action === 'retry' && entry.result === 'forbidden'));
  assert.ok(older.some((entry) => entry.user === 'alice' && entry.action === 'login' && entry.result === 'refused'));
  assert.ok(older.some((entry) => entry.user === 'bob' && entry.action === 'login' && entry.result === 'done'));
  const page = await send('GET', '/audit', { headers: { cookie: alice.cookie } });
  assert.match(page.body, /forbidden/);
});
