import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { createLogger, createMetricsRegistry, createRedisFactory, loadConfig, redisTargetOf, type Config } from '@mailsort/core';
import { launchBrowser } from '../../../test/support/browser.js';
import { createPrivateRedis } from '../../../test/support/private-redis.js';
import { deletePrefix, REDIS_URL, testRedis, uniquePrefix } from '../../../test/support/redis.js';
import { createConsoleContext } from './console-context.js';
import { buildConsoleApp } from './console-service.js';

// What a hostile web user typed into the console, each against a started console over HTTP and real Redis.
const HASH = bcrypt.hashSync('pw', 4);
const logger = createLogger({ service: 'console', level: 'silent' });
const admin = testRedis();
const prefix = uniquePrefix('console-hostile');

function configFor(url: string, keyPrefix: string): Config {
  return loadConfig(
    {
      file: 'm.yml',
      text: `redis: { url: "${url}", prefix: ${keyPrefix} }\nupstreams: [{ name: default, host: mx }]\nconsole:\n  users: [{ name: alice, password_hash: "${HASH}", role: admin }]\n`,
    },
    {},
  ).config;
}

/** A console as `mailsort console` makes it: its own producer connection (fails at once when Redis is away). */
async function startConsole(config: Config) {
  const factory = createRedisFactory({ target: redisTargetOf(config.redis), name: 'console', logger });
  const redis = factory.connect('producer');
  await factory.whenReady(5000);
  const app = buildConsoleApp(createConsoleContext(config, redis, logger, createMetricsRegistry('console')), undefined);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  return {
    redis,
    port,
    async close() {
      await app.close();
      await factory.quitAll();
    },
  };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(port: number, method: string, path: string, options: { body?: string; cookie?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { host: `127.0.0.1:${port}` };
    if (options.cookie) headers.cookie = options.cookie;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = Buffer.byteLength(options.body);
    }
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

async function login(port: number): Promise<{ cookie: string; csrf: string }> {
  const answer = await send(port, 'POST', '/login', { body: 'user=alice&password=pw' });
  assert.equal(answer.status, 303, answer.body);
  const cookie = String(answer.headers['set-cookie']).split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec((await send(port, 'GET', '/explain', { cookie })).body)?.[1];
  assert.ok(csrf);
  return { cookie, csrf };
}

let consoleApp: Awaited<ReturnType<typeof startConsole>>;
before(async () => {
  consoleApp = await startConsole(configFor(REDIS_URL, prefix));
});
after(async () => {
  await consoleApp.close();
  await deletePrefix(admin, prefix);
  admin.disconnect();
});

test('a searched or retried id naming a shard no config can have (d-M…-s99999-0) makes no queue: the console does not grow with each one', async () => {
  const { port, redis } = consoleApp;
  const { cookie, csrf } = await login(port);
  const listeners = redis.listenerCount('error');
  // Each shard number used to make (and keep) a route or deliver queue with its listeners on the console's connection.
  for (let shard = 64; shard < 164; shard++) {
    const id = `d-M1M8VNMMGEASRRMJY2PF-s${shard}-0`;
    assert.equal((await send(port, 'GET', `/messages?q=${id}`, { cookie })).status, 200);
  }
  assert.equal((await send(port, 'POST', '/dead-letters/delete', { cookie, body: `_csrf=${csrf}&target=d-M1M8VNMMGEASRRMJY2PF-s99999999999-0` })).status, 409);
  assert.equal(redis.listenerCount('error'), listeners, 'no queue was made for a shard that cannot exist');
});

test("retry, replay and delete of a name that is one of the queue's own keys (failed, delayed, wait, events, a job's :logs) answer no such delivery, not 500", async () => {
  const { port } = consoleApp;
  const { cookie, csrf } = await login(port);
  // The keys BullMQ keeps beside the jobs, with their types: getJob(name) read them as a job hash.
  await admin.zadd(`${prefix}:deliver:failed`, 1, 'd-x-0');
  await admin.zadd(`${prefix}:deliver:delayed`, 1, 'd-x-0');
  await admin.rpush(`${prefix}:deliver:wait`, 'd-x-0');
  await admin.xadd(`${prefix}:deliver:events`, '*', 'event', 'added');
  await admin.rpush(`${prefix}:deliver:d-x-0:logs`, 'a line');
  for (const action of ['retry', 'replay', 'delete']) {
    for (const target of ['failed', 'delayed', 'wait', 'events', 'd-x-0:logs']) {
      const answer = await send(port, 'POST', `/dead-letters/${action}`, { cookie, body: `_csrf=${csrf}&target=${encodeURIComponent(target)}` });
      assert.equal(answer.status, 409, `${action} ${target}: ${answer.body}`);
      assert.match(answer.body, /QUEUE_ENTRY_UNKNOWN/);
    }
  }
});

test("a search interrupted by the login comes back after it: next keeps a form's + for a space", async () => {
  const { port } = consoleApp;
  const search = '/messages?q=build+failed&from=ci%40example.com';
  const away = await send(port, 'GET', search);
  assert.equal(away.status, 302);
  assert.equal(away.headers.location, `/login?next=${encodeURIComponent(search)}`);
  const answer = await send(port, 'POST', '/login', { body: `user=alice&password=pw&next=${encodeURIComponent(search)}` });
  assert.equal(answer.headers.location, search);
});

test('a search of thousands of words is refused at once (400) instead of matching each against every summary', async () => {
  const { port } = consoleApp;
  const { cookie } = await login(port);
  const many = await send(port, 'GET', `/messages?q=${Array.from({ length: 3000 }, () => 'e').join('+')}+zzz`, { cookie });
  assert.equal(many.status, 400);
  assert.match(many.body, /3001 words: a search takes at most 20/);
  assert.equal((await send(port, 'GET', '/messages?q=build+failed&subject=db1', { cookie })).status, 200);
});

test('with Redis gone every page says so (503, Redis does not answer) and the console answers again once it is back', async () => {
  const server = await createPrivateRedis();
  await server.start();
  const own = await startConsole(configFor(server.url, uniquePrefix('console-down')));
  try {
    const { cookie } = await login(own.port);
    assert.equal((await send(own.port, 'GET', '/', { cookie })).status, 200);
    await server.kill();
    for (const path of ['/', '/overview/live', '/api/overview', '/messages', '/dead-letters', '/audit']) {
      const answer = await send(own.port, 'GET', path, { cookie });
      assert.equal(answer.status, 503, `${path}: ${answer.body}`);
      assert.match(answer.body, /Redis does not answer/, path);
    }
    assert.equal((await send(own.port, 'POST', '/login', { body: 'user=alice&password=pw' })).status, 503);
    assert.equal((await send(own.port, 'GET', '/login')).status, 200, 'the process is up');
    await server.start();
    // The private Redis kept nothing (no persistence): a new login, once the connection is back.
    let status = 0;
    for (let i = 0; i < 100 && status !== 303; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await send(own.port, 'POST', '/login', { body: 'user=alice&password=pw' })).status;
    }
    assert.equal(status, 303, 'a login works again once Redis is back');
  } finally {
    await own.close();
    await server.kill();
  }
});

test('the overview says it is no longer updated when Redis goes, instead of showing the last numbers as if current', async () => {
  const server = await createPrivateRedis();
  await server.start();
  const own = await startConsole(configFor(server.url, uniquePrefix('console-stale')));
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const url = `http://127.0.0.1:${own.port}`;
    await page.goto(`${url}/login`);
    await page.fill('input[name=user]', 'alice');
    await page.fill('input[name=password]', 'pw');
    await Promise.all([page.waitForURL(`${url}/`), page.click('button[type=submit]')]);
    assert.equal(await page.isHidden('#live-problem'), true, 'nothing to say while the numbers are current');
    await server.kill();
    await page.waitForSelector('#live-problem', { state: 'visible', timeout: 10_000 });
    assert.match((await page.textContent('#live-problem')) ?? '', /^Not updated since .*Redis does not answer.*\(503\)$/);
    // Back, but empty (no persistence): the session went with it, and the page says that too.
    await server.start();
    await page.waitForFunction(() => /log in first \(401\)$/.test(document.getElementById('live-problem')?.textContent ?? ''), undefined, { timeout: 10_000 });
  } finally {
    await browser.close();
    await own.close();
    await server.kill();
  }
});
