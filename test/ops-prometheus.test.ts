import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import { startScriptedSmtp } from './support/scripted-smtp.js';
import { startPrometheus } from './support/ops-prometheus.js';
import { RULES_FILE } from './support/ops-queries.js';
import { startSystem } from './support/system.js';

const SERVICES = ['ingest', 'router', 'sender', 'gocd-sync'];
const BACKLOG = 'max(sum by (service, instance) (mailsort_queue_jobs{queue="deliver",state=~"waiting|delayed"}))';
const MESSAGES = 5;

// The upstream defers every message with 421 until the test lets it come back.
let upstreamDown = true;
let upstream: Awaited<ReturnType<typeof startScriptedSmtp>>;
let system: Awaited<ReturnType<typeof startSystem>>;
let prometheus: Awaited<ReturnType<typeof startPrometheus>>;

before(async () => {
  upstream = await startScriptedSmtp({ data: () => (upstreamDown ? '421 4.3.2 Service not available, try again later' : 'accept') });
  const upstreamPort = upstream.port;
  // Short retries, so the backlog drains within the test once the upstream is back.
  system = await startSystem({ name: 'ops-prometheus', upstreamPort, extra: { delivery: { retry: ['500ms', '1s'], breaker: { failures: 5, open_for: '2s' } } } });
  const jobs: Record<string, number[]> = {};
  for (const name of SERVICES) {
    const started = await system.service(name).waitForLog((line) => line.msg === `${name} started`);
    jobs[`mailsort-${name}`] = [started.httpPort as number];
  }
  prometheus = await startPrometheus({ jobs, ruleFiles: [RULES_FILE] });
});

after(async () => {
  await prometheus?.stop();
  await system?.stop();
  await upstream?.close();
});

test('a real Prometheus scraping the running services sees the queue gauges of both queues from every service', async () => {
  const series = await prometheus.until('queue gauges from every service', async () => {
    const result = await prometheus.query('mailsort_queue_jobs');
    const seen = new Set(result.map((sample) => `${sample.metric.job} ${sample.metric.queue} ${sample.metric.state}`));
    return SERVICES.every((name) => ['route', 'deliver'].every((queue) => seen.has(`mailsort-${name} ${queue} waiting`))) ? result : undefined;
  });
  assert.ok(series.every((sample) => sample.metric.service && sample.metric.instance));
  const ages = await prometheus.query('max by (queue) (mailsort_queue_oldest_waiting_age_seconds)');
  assert.deepEqual(ages.map((sample) => sample.metric.queue).sort(), ['deliver', 'route']);
  const targets = await prometheus.targets();
  assert.deepEqual(
    targets.map((target) => target.health),
    ['up', 'up', 'up', 'up'],
  );
});

test('Prometheus loads the shipped rules and evaluates every one without error against live metrics', async () => {
  const groups = await prometheus.until('every rule evaluated', async () => {
    const loaded = await prometheus.rules();
    const rules = loaded.flatMap((group) => group.rules);
    return rules.length > 0 && rules.every((rule) => rule.health !== 'unknown') ? loaded : undefined;
  });
  for (const rule of groups.flatMap((group) => group.rules)) assert.equal(rule.health, 'ok', `${rule.name}: ${rule.lastError}`);
  // Rules evaluated before the first scrape see no `up` yet; once every target has been
  // scraped, a healthy system settles with no alert, not even a pending one.
  let alerts: string[] = [];
  await prometheus
    .until(
      'no alert pending',
      async () => {
        alerts = (await prometheus.query('ALERTS')).map((sample) => `${sample.metric.alertname} ${sample.metric.alertstate} ${sample.metric.job ?? ''}`);
        return alerts.length === 0 ? true : undefined;
      },
      15_000,
    )
    .catch(() => assert.deepEqual(alerts, [], 'a healthy system has no alert even pending'));
});

test('the deliver backlog rises while the upstream is down and falls to zero after it comes back', async (t) => {
  const backlog = async () => {
    const [sample] = await prometheus.query(BACKLOG);
    return sample ? Number(sample.value[1]) : undefined;
  };
  assert.equal(await prometheus.until('a baseline backlog', backlog), 0);

  const client = nodemailer.createTransport({ host: '127.0.0.1', port: system.smtpPort, secure: false, ignoreTLS: true });
  for (let i = 0; i < MESSAGES; i++) {
    await client.sendMail({ envelope: { from: 'ci@example.com', to: [`team${i}@example.com`] }, raw: `Subject: outage ${i}\r\n\r\nbody\r\n` });
  }
  const peak = await prometheus.until('the backlog to rise', async () => {
    const value = await backlog();
    return value !== undefined && value >= MESSAGES ? value : undefined;
  });
  assert.equal(peak, MESSAGES, 'each accepted message is one deliver job, counted once although four services report it');
  const [oldest] = await prometheus.query('max(mailsort_queue_oldest_waiting_age_seconds{queue="deliver"})');
  assert.ok(Number(oldest!.value[1]) > 0, 'the oldest-age gauge shows the waiting delivery');
  assert.equal(upstream.received.length, 0);

  upstreamDown = false;
  const cameBack = Date.now();
  // The sender retries every second here (the breaker pauses the upstream for 2 s at most).
  await prometheus.until('the backlog to drain', async () => ((await backlog()) === 0 ? true : undefined), 90_000);
  t.diagnostic(`backlog of ${MESSAGES} drained ${Date.now() - cameBack} ms after the upstream came back`);
  // Waiting + delayed reaching 0 can precede the last active deliveries' 250.
  await prometheus.until('every message at the upstream', async () => (upstream.received.length >= MESSAGES ? true : undefined), 30_000);
  assert.equal(upstream.received.length, MESSAGES);
  // The sink has them before Prometheus has scraped the sender's count: wait for the scrape.
  const delivered = await prometheus.until('the delivered count scraped', async () => {
    const [sample] = await prometheus.query('sum(mailsort_sender_deliveries_total{result="delivered"})');
    return sample && Number(sample.value[1]) >= MESSAGES ? Number(sample.value[1]) : undefined;
  });
  assert.equal(delivered, MESSAGES);
  const [peakSeen] = await prometheus.query(`max_over_time(${BACKLOG}[5m:1s])`);
  assert.equal(Number(peakSeen!.value[1]), MESSAGES, 'Prometheus recorded the rise as well as the fall');
});
