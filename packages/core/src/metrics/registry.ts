import { collectDefaultMetrics, Registry } from 'prom-client';
import { createBuildInfo } from './catalogue.js';

export const METRIC_PREFIX = 'mailsort_';

/** One registry per process, with the process metrics and a build-info gauge. */
export function createMetricsRegistry(service: string, version = '0.1.0'): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  createBuildInfo(registry, version);
  return registry;
}

export type { Registry };
