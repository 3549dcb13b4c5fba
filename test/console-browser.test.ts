import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import bcrypt from 'bcryptjs';
import nodemailer from 'nodemailer';
import type { Page } from 'playwright-core';
import { launchBrowser } from './support/browser.js';
import { startFakeGocd, type FakeGocd } from './support/fake-gocd.js';
import { ROOT } from './support/ops-queries.js';
import { deletePrefix, testRedis } from './support/redis.js';
import { startScriptedSmtp } from './support/scripted-smtp.js';
import { startSystem } from './support/system.js';

// The operator console against the real services: ingest, router, sender, gocd-sync and the
// console as processes, real Redis, a real SMTP upstream that refuses one recipient with 550
// until it is "fixed", and Debian's Chromium driving the pages.

const GOCD_BROKEN = [
  'From: Go Server <go@example.com>',
  'To: mail2alert@example.com',
  'Subject: Stage [my-pipeline/6/my-stage/1]',
  '  is broken',
  'Message-ID: <gocd-6@example.com>',
  'Content-Type: text/plain; charset="UTF-8"',
  '',
  'See details: http://gocd.example.com/go/pipelines/my-pipeline/6/my-stage/1',
  '',
].join('\r\n');
const HOSTILE = '<img src=x onerror="window.__pwned=1;document.title=\'pwned\'">';
const ROUTING = {
  managers: [
    {
      name: 'gocd',
      kind: 'gocd',
      messages_we_want: { to: 'mail2alert@example.com' },
      rules: [{ actions: ['mailto:cat@example.com'], filter: { events: ['BREAKS'], function: 'pipelines.in_group', args: ['my-group'] } }],
    },
  ],
};

const TOKEN = 'console-browser-test-token-0123456789abcdef';
const shots = mkdtempSync(join(tmpdir(), 'mailsort-console-shots-'));
const redis = testRedis();
let gocd: FakeGocd;
let upstream: Awaited<ReturnType<typeof startScriptedSmtp>>;
let system: Awaited<ReturnType<typeof startSystem>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let url: string;
let refusing = true;
const ids: Record<string, string> = {};

before(async () => {
  gocd = await startFakeGocd({ groups: [{ name: 'my-group', pipelines: ['my-pipeline'] }], users: { mailsort: { password: 's3cret', admin: true } } });
  upstream = await startScriptedSmtp({ rcpt: (address) => (refusing && address === 'refused@example.com' ? '550 5.1.1 <refused@example.com>: no such user' : undefined) });
  const launching = launchBrowser();
  const hash = bcrypt.hashSync('alice-pw', 4);
  system = await startSystem({
    name: 'console-browser',
    upstreamPort: upstream.port,
    services: ['sender', 'router', 'gocd-sync', 'ingest', 'console'],
    extra: {
      routing: ROUTING,
      gocd: { url: gocd.url, username: 'mailsort', password: 's3cret', interval: '300ms', timeout: '1s', cctray: false },
      console: {
        port: 0,
        users: [
          { name: 'alice', password_hash: hash, role: 'admin' },
          { name: 'bob', password_hash: bcrypt.hashSync('bob-pw', 4), role: 'read-only' },
        ],
        tokens: [{ name: 'grafana', token: TOKEN, role: 'read-only' }],
      },
    },
  });
  const listening = await system.service('console').waitForLog((line) => typeof line.url === 'string');
  url = listening.url as string;
  await system.service('gocd-sync').waitForLog((line) => line.msg === 'pipeline-group snapshot updated');
  browser = await launching;
  page = await browser.context.newPage();
  page.on('dialog', (dialog) => {
    throw new Error(`a dialog opened: ${dialog.message()}`);
  });
});

after(async () => {
  await browser?.close();
  await system?.stop();
  await upstream?.close();
  await gocd?.close();
  if (system) await deletePrefix(redis, system.prefix);
  redis.disconnect();
  console.log(`# console screenshots in ${shots}`);
});

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function send(subject: string, to: string, raw?: string): Promise<string> {
  const client = nodemailer.createTransport({ host: '127.0.0.1', port: system.smtpPort, secure: false, ignoreTLS: true });
  const info = raw
    ? await client.sendMail({ envelope: { from: 'go@example.com', to: [to] }, raw: Buffer.from(raw) })
    : await client.sendMail({ from: 'cron@example.com', to, subject, text: `body of ${subject}` });
  client.close();
  return /queued as (M[0-9A-Z]{19})/.exec(info.response)![1]!;
}

async function login(user: string, password: string): Promise<void> {
  await page.goto(`${url}/`);
  assert.match(page.url(), /\/login/, 'an anonymous visitor is sent to the login page');
  await page.fill('input[name=user]', user);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL(`${url}/`), page.click('button[type=submit]')]);
}

async function total(series: string): Promise<number> {
  return Number(await page.textContent(`[data-total="${series}"]`));
}

test('log in: a wrong password is refused, the right one opens the overview with a session cookie that scripts cannot read', async () => {
  await page.goto(`${url}/login`);
  await shot('login');
  await page.fill('input[name=user]', 'alice');
  await page.fill('input[name=password]', 'wrong');
  await page.click('button[type=submit]');
  assert.match((await page.textContent('#login-problem')) ?? '', /Wrong user name or password/);
  await login('alice', 'alice-pw');
  const [cookie] = await browser.context.cookies(url);
  assert.equal(cookie?.httpOnly, true);
  assert.equal(cookie?.sameSite, 'Strict');
  assert.equal(await page.evaluate(() => document.cookie), '', 'the session cookie is invisible to page scripts');
});

test('send 10 mails, one refused by the upstream with 550: the overview counts move live, without reloading', async () => {
  await page.goto(`${url}/`);
  const before = await total('accepted');
  ids.delivered = await send('disk almost full on db1', 'ops@example.com');
  for (let n = 2; n <= 7; n++) await send(`nightly report ${n}`, 'ops@example.com');
  ids.plain = await send('for the ops list', 'ops@example.com');
  // The hostile mail is the refused one: as a dead letter its source stays stored, so the page shows it.
  ids.refused = await send(HOSTILE, 'refused@example.com', ['From: cron@example.com', 'To: refused@example.com', `Subject: ${HOSTILE}`, '', `body of ${HOSTILE}`, ''].join('\r\n'));
  ids.gocd = await send('', 'mail2alert@example.com', GOCD_BROKEN);
  await upstream.waitForMessages(9);
  // The page polls; the counters reach Redis within the processes' sample interval.
  await page.waitForFunction((expected) => Number(document.querySelector('[data-total="accepted"]')?.textContent) >= expected, before + 10, { timeout: 20_000 });
  await page.waitForFunction(() => Number(document.querySelector('[data-total="dead"]')?.textContent) >= 1, undefined, { timeout: 20_000 });
  await page.waitForFunction(() => Number(document.querySelector('[data-total="delivered"]')?.textContent) >= 9, undefined, { timeout: 20_000 });
  assert.equal(await total('accepted'), before + 10);
  assert.ok((await total('delivered')) >= 9);
  assert.match((await page.textContent('#queues')) ?? '', /deliver/);
  assert.match((await page.textContent('#gocd')) ?? '', /snapshot of 1 pipeline groups/);
  await shot('overview');
});

test('find a delivered message by its subject and read its timeline: accepted, routed, delivered with the upstream reply', async () => {
  await page.goto(`${url}/messages`);
  await page.fill('input[name=q]', 'disk almost full');
  await Promise.all([page.waitForURL(/\/messages\?/), page.click('form.search button')]);
  await shot('messages');
  await Promise.all([page.waitForURL(`${url}/messages/${ids.delivered}`), page.click(`a[href="/messages/${ids.delivered}"]`)]);
  const timeline = (await page.textContent('#timeline')) ?? '';
  assert.match(timeline, /accepted[\s\S]*TLS[\s\S]*no/);
  assert.match(timeline, /routed[\s\S]*passthrough/);
  assert.match(timeline, /delivered[\s\S]*250/);
  assert.equal(await page.textContent('#outcome'), 'delivered');
  await shot('message');
});

test('a mail with <img src=x onerror=…> in its subject and body executes nothing: it shows as text', async () => {
  await page.goto(`${url}/messages/${ids.refused}`);
  assert.equal(await page.textContent('#subject'), HOSTILE);
  assert.match((await page.textContent('#headers')) ?? '', /Subject: <img src=x onerror=/);
  assert.match((await page.textContent('#source')) ?? '', /body of <img src=x onerror=/);
  assert.equal(await page.locator('main img').count(), 0);
  await page.goto(`${url}/messages?q=${encodeURIComponent('onerror')}`);
  assert.match((await page.textContent('#results')) ?? '', /<img src=x/);
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  assert.notEqual(await page.title(), 'pwned');
});

test('the dead letter shows its 550; replayed after the upstream is fixed, it is delivered, and the audit log says who did it', async () => {
  await page.goto(`${url}/dead-letters`);
  const row = page.locator(`tr[data-message="${ids.refused}"]`);
  assert.match((await row.locator('.reply').textContent()) ?? '', /550 5\.1\.1/);
  await shot('dead-letters');
  refusing = false;
  await Promise.all([page.waitForURL(/\/dead-letters\/confirm/), row.locator('a[data-action=replay]').click()]);
  await shot('confirm');
  await page.click('#confirm');
  assert.match((await page.textContent('#action-result')) ?? '', /replay .*: done/);
  const delivered = await upstream.waitForMessages(10);
  assert.deepEqual(delivered.at(-1)!.to, ['refused@example.com']);
  for (let tries = 0; ; tries++) {
    await page.goto(`${url}/messages/${ids.refused}`);
    if ((await page.textContent('#outcome')) === 'delivered') break;
    assert.ok(tries < 50, 'the replayed message shows as delivered');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.match((await page.textContent('#timeline')) ?? '', /console \(alice\)[\s\S]*replayed/);
  await page.goto(`${url}/audit`);
  const audit = (await page.textContent('#audit')) ?? '';
  assert.match(audit, new RegExp(`alice[\\s\\S]*admin[\\s\\S]*replay[\\s\\S]*${ids.refused}[\\s\\S]*done`));
  await shot('audit');
});

test('explain a GoCD mail: the group rule matched, the group address, the rewritten headers, and nothing was sent', async () => {
  const sent = upstream.received.length;
  await page.goto(`${url}/explain`);
  await page.fill('#eml', GOCD_BROKEN);
  await Promise.all([page.waitForURL(`${url}/explain`), page.click('#explain-submit')]);
  const answer = (await page.textContent('#explain-answer')) ?? '';
  assert.match(answer, /manager\s*gocd/);
  assert.match(answer, /BREAKS/);
  assert.match(answer, /recipients\s*cat@example\.com/);
  assert.match((await page.textContent('#rewrites')) ?? '', /cat@example\.com/);
  await shot('explain');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(upstream.received.length, sent, 'explain sends nothing');
});

test('a state-changing POST without the CSRF token is refused with 403 and changes nothing', async () => {
  await page.goto(`${url}/dead-letters`);
  const status = await page.evaluate(async (target) => {
    const response = await fetch('/dead-letters/delete', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `target=${target}` });
    return response.status;
  }, `${ids.delivered}`);
  assert.equal(status, 403);
  const withWrongToken = await page.evaluate(
    async () => (await fetch('/dead-letters/retry', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'target=x&_csrf=forged' })).status,
  );
  assert.equal(withWrongToken, 403);
  await page.goto(`${url}/audit`);
  assert.doesNotMatch((await page.textContent('#audit')) ?? '', /delete/);
});

test('a read-only user sees the dead letters but cannot replay: no buttons, and a replay POST with a valid token is 403', async () => {
  // A second dead letter, for bob to look at.
  refusing = true;
  const id = await send('refused again', 'refused@example.com');
  await page.click('header form.who button');
  await login('bob', 'bob-pw');
  for (let tries = 0; ; tries++) {
    await page.goto(`${url}/dead-letters`);
    if ((await page.locator(`tr[data-message="${id}"]`).count()) > 0) break;
    assert.ok(tries < 50, 'the second dead letter is listed');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.equal(await page.locator('a[data-action]').count(), 0);
  const csrf = await page.getAttribute('input[name=_csrf]', 'value');
  const status = await page.evaluate(
    async ({ target, token }) =>
      (await fetch('/dead-letters/replay', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `target=${target}&_csrf=${encodeURIComponent(token ?? '')}` }))
        .status,
    { target: id, token: csrf },
  );
  assert.equal(status, 403);
  await page.goto(`${url}/dead-letters`);
  assert.equal(await page.locator(`tr[data-message="${id}"]`).count(), 1, 'still a dead letter');
});

test('a bearer token reads the overview as JSON and, being read-only, cannot replay; no credentials at all is 401', async () => {
  const overview = await fetch(`${url}/api/overview`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(overview.status, 200);
  const body = (await overview.json()) as { totals: Record<string, number>; queues: Array<{ queue: string }> };
  assert.ok(body.totals.accepted! >= 10);
  assert.deepEqual(
    body.queues.map((queue) => queue.queue),
    ['route', 'deliver'],
  );
  const replay = await fetch(`${url}/dead-letters/replay`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: `target=${ids.refused}`,
  });
  assert.equal(replay.status, 403);
  assert.equal((await fetch(`${url}/api/overview`)).status, 401);
  assert.equal((await fetch(`${url}/api/overview`, { headers: { authorization: 'Bearer wrong-token-wrong-token-wrong-token' } })).status, 401);
});

after(() => {
  // MAILSORT_WRITE_SCREENSHOTS=1 refreshes the two pictures the README and docs/console.md show.
  if (process.env.MAILSORT_WRITE_SCREENSHOTS !== '1') return;
  for (const name of ['overview', 'message']) copyFileSync(join(shots, `${name}.png`), join(ROOT, 'docs', 'images', `console-${name}.png`));
});
