import { stringify } from 'yaml';
import { createLogger, createMetricsRegistry, createRedisFactory, loadConfig, redisTargetOf, type Config, type Service, type ServiceDeps } from '@mailsort/core';
import { metricValue } from './metrics.js';
import { deletePrefix, REDIS_URL, testRedis, uniquePrefix } from './redis.js';
import { waitUntil } from './wait.js';

export type LogLine = Record<string, unknown> & { msg?: string; code?: string };

/** A config object as YAML through the real loader (defaults, validation, freezing), on `prefix`. */
export function testConfig(prefix: string, config: Record<string, unknown>, redisUrl = REDIS_URL): Config {
  const redis = { ...(config.redis as Record<string, unknown> | undefined), prefix };
  return loadConfig({ file: 'in-process.yml', text: stringify({ ...config, redis }) }, { REDIS_URL: redisUrl }).config;
}

/**
 * One service built the way its main.ts builds it — real config, a Redis connection factory,
 * a registry, a logger — but in this process, with the log lines kept in memory. `stop` runs
 * the shutdown steps in their order; `cleanUp` also deletes the prefix (once, for replicas).
 */
export async function startInProcess<S extends Service>(
  name: string,
  factory: (config: Config, deps: ServiceDeps) => S | Promise<S>,
  config: Record<string, unknown>,
  { prefix = uniquePrefix(name), redisUrl = REDIS_URL }: { prefix?: string; redisUrl?: string } = {},
) {
  const logs: LogLine[] = [];
  const logger = createLogger({ service: name, level: 'debug', destination: { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) } });
  const registry = createMetricsRegistry(name);
  const loaded = testConfig(prefix, config, redisUrl);
  const redis = createRedisFactory({ target: redisTargetOf(loaded.redis), name, logger });
  const service = await factory(loaded, { logger, registry, redis });
  await service.start();
  let stopped = false;
  return {
    service,
    prefix,
    logs,
    registry,
    config: loaded,
    /** Same config source, new values: what a reload would hand the service. */
    configWith: (next: Record<string, unknown>) => testConfig(prefix, next, redisUrl),
    async metric(metricName: string, labels: Record<string, string> = {}): Promise<number> {
      return metricValue(await registry.metrics(), metricName, labels);
    },
    async waitForLog(match: (line: LogLine) => boolean, what: string, timeoutMs = 10_000): Promise<LogLine> {
      await waitUntil(() => logs.some(match), timeoutMs, `log line: ${what}`, 10);
      return logs.find(match)!;
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      await service.stopIntake();
      await service.closeWorkers();
      await service.closeProducers();
      await redis.quitAll();
    },
    async cleanUp(): Promise<void> {
      await this.stop();
      const connection = testRedis(redisUrl);
      await deletePrefix(connection, prefix);
      connection.disconnect();
    },
  };
}

export type InProcess = Awaited<ReturnType<typeof startInProcess>>;
