import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { firstHeaderValue } from '@mailsort/core';
import { startFaultSystem } from './support/fault-system.js';
import { REDIS_URL } from './support/redis.js';
import { sendOnce } from './support/send-once.js';
import { startSink } from './support/sink.js';
import { waitUntil } from './support/wait.js';

const NOTIFY = 'ops@example.com';
const HOSTS = ['nas1', 'nas2', 'nas3'];

test("dead-man's switch per host over real processes: of three NAS mailing every 2 s, the one that stops gets exactly one missed alert, and one back-to-normal in its thread when it mails again — across a router SIGKILL", {
  timeout: 180_000,
}, async () => {
  const sink = await startSink();
  const system = await startFaultSystem({
    name: 'expect-deadman',
    redisUrl: REDIS_URL,
    upstreamPort: sink.port,
    routers: 2,
    extra: {
      routing: { expect: [{ name: 'nas-backup', match: { event: { source: 'cron' } }, every: '10s', grace: '5s', per: 'host', notify: [`mailto:${NOTIFY}`] }] },
    },
  });
  after(async () => {
    await system.stop();
    await sink.close();
  });

  const silent = new Set<string>();
  let sending = true;
  const refused: string[] = [];
  const mailer = (async () => {
    while (sending) {
      const round = HOSTS.filter((host) => !silent.has(host)).map(async (host) => {
        const result = await sendOnce(system.smtpPort, { from: `root@${host}.example.com`, to: 'backups@example.com', subject: `Cron <root@${host}> /usr/local/bin/backup`, text: 'backup ok' });
        if (result.code !== 250) refused.push(`${host}: ${result.code} ${result.response}`);
      });
      await Promise.all([...round, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    }
  })();
  const notices = () => sink.messages.filter((message) => message.to.includes(NOTIFY));
  const about = (host: string) => notices().filter((message) => message.subject.includes(` from ${host}`));

  // Every host mails for a few rounds, then nas3 goes quiet.
  await waitUntil(() => sink.messages.filter((m) => m.subject.includes('<root@nas3>')).length >= 2, 30_000, 'nas3 mail reached the sink');
  silent.add('nas3');
  const quietFrom = Date.now();
  // A router dies (SIGKILL) while nas3 is quiet, before its outage is due: whichever replica holds the lock, another checks.
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  await system.replace(system.of('router')[0]!, 'SIGKILL');

  await waitUntil(
    () => about('nas3').length >= 1,
    40_000,
    () =>
      `a missed alert for nas3 (notices: ${
        notices()
          .map((m) => m.subject)
          .join(' | ') || 'none'
      })`,
  );
  const missed = about('nas3')[0]!;
  assert.ok(Date.now() - quietFrom >= 10_000, 'not before every + grace has passed since the last mail');
  assert.match(missed.subject, /expected mail missing: nas-backup from nas3/);
  const rootId = firstHeaderValue(missed.raw, 'message-id');
  assert.ok(rootId, 'the alert has a Message-ID');
  assert.equal(firstHeaderValue(missed.raw, 'in-reply-to'), undefined, 'the alert is the root of its thread');

  // The other router dies too, after the alert: the next checker must not send it again.
  await system.replace(system.of('router')[1]!, 'SIGKILL');
  silent.delete('nas3');
  await waitUntil(
    () => about('nas3').length >= 2,
    40_000,
    () =>
      `a back-to-normal for nas3 (notices: ${notices()
        .map((m) => m.subject)
        .join(' | ')})`,
  );
  const recovered = about('nas3')[1]!;
  assert.equal(firstHeaderValue(recovered.raw, 'in-reply-to'), rootId, 'back to normal replies to the alert');
  assert.match(firstHeaderValue(recovered.raw, 'references') ?? '', new RegExp(rootId!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.equal(recovered.subject, `Re: ${missed.subject}`, 'one stable subject, so Gmail keeps the thread too');
  assert.match(recovered.raw.toString('latin1'), /X-Mailsort-Expectation: nas-backup; notice=recovered/);

  // A few more checker passes: nothing more is sent, for nas3 or for the hosts that never stopped.
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  sending = false;
  await mailer;
  assert.deepEqual(refused, []);
  assert.deepEqual(
    notices().map((m) => m.subject),
    [missed.subject, recovered.subject],
    'exactly one missed alert and one back-to-normal, both for nas3',
  );
});
