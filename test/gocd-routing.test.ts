import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import { createGocdState } from '@mailsort/core';
import { startFakeGocd, type FakeGocd } from './support/fake-gocd.js';
import { deletePrefix, testRedis } from './support/redis.js';
import { startSink } from './support/sink.js';
import { startSystem } from './support/system.js';

const BROKEN = (pipeline: string, counter: number) =>
  [
    'From: Go Server <go@example.com>',
    'To: mail2alert@example.com',
    `Subject: Stage [${pipeline}/${counter}/my-stage/1]`,
    '  is broken',
    `Message-ID: <gocd-${counter}@example.com>`,
    'Content-Type: text/plain; charset="UTF-8"',
    '',
    `See details: http://gocd.example.com/go/pipelines/${pipeline}/${counter}/my-stage/1`,
    '',
    '-- CHECK-INS --',
    '',
  ].join('\r\n');

const UNWANTED = ['From: Cron Daemon <root@db1.example.com>', 'To: root@example.com', 'Subject: Cron <root@db1> /usr/local/bin/backup', '', 'backup done', ''].join('\r\n');

// The README example's rules, in mailsort's native format.
const ROUTING = {
  managers: [
    {
      name: 'gocd',
      kind: 'gocd',
      messages_we_want: { to: 'mail2alert@example.com' },
      rules: [
        { actions: ['mailto:cat@example.com'], filter: { events: ['BREAKS'], function: 'pipelines.in_group', args: ['my-group'] } },
        { actions: ['mailto:cat@example.com'], filter: { events: ['BREAKS', 'FIXED'], function: 'pipelines.name_like_in_group', args: ['(.+)-release.*', 'my-group'] } },
      ],
    },
  ],
};

let gocd: FakeGocd;
let sink: Awaited<ReturnType<typeof startSink>>;
let system: Awaited<ReturnType<typeof startSystem>>;
const redis = testRedis();

before(async () => {
  gocd = await startFakeGocd({ groups: [{ name: 'my-group', pipelines: ['my-pipeline'] }], users: { mailsort: { password: 's3cret', admin: true } } });
  sink = await startSink();
  system = await startSystem({
    name: 'gocd-routing',
    upstreamPort: sink.port,
    extra: { routing: ROUTING, gocd: { url: gocd.url, username: 'mailsort', password: '${GOCD_PASSWORD}', interval: '300ms', timeout: '1s', cctray: false } },
    env: { GOCD_PASSWORD: 's3cret' },
  });
  await system.service('gocd-sync').waitForLog((line) => line.msg === 'pipeline-group snapshot updated');
});

after(async () => {
  await system.stop();
  await sink.close();
  await gocd.close();
  await deletePrefix(redis, system.prefix);
  redis.disconnect();
});

async function send(raw: string, from: string, to: string[]): Promise<string> {
  const client = nodemailer.createTransport({ host: '127.0.0.1', port: system.smtpPort, secure: false, ignoreTLS: true });
  const info = await client.sendMail({ envelope: { from, to }, raw: Buffer.from(raw, 'utf8') });
  return /queued as (M[0-9A-Z]{19})/.exec(info.response)![1]!;
}

function headerBlock(raw: Buffer): string {
  return raw.toString('utf8').split('\r\n\r\n')[0]!;
}

test('a "Stage [...] is broken" mail reaches the group address with To and From rewritten', async () => {
  const before = sink.messages.length;
  await send(BROKEN('my-pipeline', 6), 'go@example.com', ['mail2alert@example.com']);
  const delivered = (await sink.waitForMessages(before + 1))[before]!;
  assert.deepEqual(delivered.to, ['cat@example.com'], 'two matching rules, one recipient');
  assert.equal(delivered.from, 'go@example.com');
  const head = headerBlock(delivered.raw);
  assert.match(head, /\r\nTo: cat@example\.com\r\nFrom: go@example\.com$/, 'the new To and From close the header, as mail2alert wrote them');
  assert.doesNotMatch(head, /^(To: mail2alert@example\.com|From: Go Server)/m, 'the original To and From are gone');
  assert.match(head, /Subject: Stage \[my-pipeline\/6\/my-stage\/1\]\r\n {2}is broken/, 'other headers are untouched');
  assert.ok(delivered.raw.toString('utf8').endsWith('\r\n\r\nSee details: http://gocd.example.com/go/pipelines/my-pipeline/6/my-stage/1\r\n\r\n-- CHECK-INS --\r\n'));
});

test('an unwanted mail passes through to the default upstream unchanged', async () => {
  const before = sink.messages.length;
  await send(UNWANTED, 'root@db1.example.com', ['root@example.com']);
  const delivered = (await sink.waitForMessages(before + 1))[before]!;
  assert.deepEqual(delivered.to, ['root@example.com']);
  assert.equal(delivered.from, 'root@db1.example.com');
  assert.equal(delivered.raw.toString('utf8').replace(/^Received: [^\r\n]+\r\n(\t[^\r\n]+\r\n)+/, ''), UNWANTED);
});

test('with GoCD down, routing continues on the last snapshot', async () => {
  const state = createGocdState(redis, system.prefix);
  const snapshot = await state.readSnapshot();
  assert.deepEqual(snapshot?.groups, [{ name: 'my-group', pipelines: ['my-pipeline'] }]);
  await gocd.close();
  await system.service('gocd-sync').waitForLog((line) => line.code === 'GOCD_UNREACHABLE');
  const before = sink.messages.length;
  await send(BROKEN('my-pipeline', 7), 'go@example.com', ['mail2alert@example.com']);
  const delivered = (await sink.waitForMessages(before + 1))[before]!;
  assert.deepEqual(delivered.to, ['cat@example.com']);
  assert.deepEqual((await state.readSnapshot())?.groups, snapshot.groups, 'the last good snapshot is kept');
});
