import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createGocdMetrics, createIngestMetrics, createOutcomeMetrics, createRouterMetrics, createSenderMetrics, LABEL_VALUES } from './catalogue.js';

test('regression: every counter of every service exists at 0 from the start, labelled ones for each known label value ("No data" on dashboards)', async () => {
  const registry = new Registry();
  createIngestMetrics(registry, { listeners: ['smtp', 'submission'] });
  createRouterMetrics(registry);
  createSenderMetrics(registry, { upstreams: ['default', 'backup'] });
  createOutcomeMetrics(registry);
  createGocdMetrics(registry);
  const counters = (await registry.getMetricsAsJSON()).filter((metric) => String(metric.type) === 'counter');
  assert.ok(counters.length >= 14);
  for (const counter of counters) {
    assert.ok(counter.values.length > 0, `${counter.name} has no series before its first increment`);
    assert.ok(
      counter.values.every((value) => value.value === 0),
      `${counter.name} starts at 0`,
    );
  }
  const deliveries = counters.find((counter) => counter.name === 'mailsort_sender_deliveries_total')!;
  assert.equal(deliveries.values.length, LABEL_VALUES.deliveryResult.length * 3, 'each result for each upstream and the webhook label');
  const finished = counters.find((counter) => counter.name === 'mailsort_messages_finished_total')!;
  assert.deepEqual(
    finished.values.map((value) => `${value.labels.outcome}/${value.labels.reason}`).sort(),
    [
      'delivered/',
      ...LABEL_VALUES.dropReason.map((reason) => `dropped/${reason}`),
      ...LABEL_VALUES.foldReason.map((reason) => `folded/${reason}`),
      ...LABEL_VALUES.failedReason.map((reason) => `failed/${reason}`),
    ].sort(),
  );
  const alertEvents = counters.find((counter) => counter.name === 'mailsort_router_alert_events_total')!;
  assert.equal(alertEvents.values.length, LABEL_VALUES.alertSource.length * LABEL_VALUES.alertStatus.length * LABEL_VALUES.alertSeverity.length, 'every source × status × severity');
});
