import { parseArgs } from 'node:util';
import { ConfigError, formatProblem, loadConfigFile } from '../config/load-config.js';
import type { Env } from '../config/interpolate.js';
import { errorCodeOf } from '../errors.js';
import { createOpsServer } from '../http/ops-server.js';
import { createLogger } from '../logging/logger.js';
import { createQueueGauges, createRedisMetrics, createReloadMetrics } from '../metrics/catalogue.js';
import { createMetricsRegistry } from '../metrics/registry.js';
import { createQueue, QUEUES } from '../queues/catalogue.js';
import { startRateSampler } from '../console-state/rate-sampler.js';
import { createRedisFactory, redisTargetOf } from '../redis/connections.js';
import type { RedisTarget } from '../redis/connection-options.js';
import { keyspaceOf } from '../store/keyspace.js';
import type { Config } from '../config/schema/index.js';
import { watchFiles } from './config-watch.js';
import { createReloader } from './reload.js';
import type { Service, ServiceFactory } from './service.js';
import { createShutdown } from './shutdown.js';

export type ServiceName = 'ingest' | 'router' | 'sender' | 'gocd-sync' | 'console';

/** The options every service takes: read here, and checked by the CLI with the same table. */
export const SERVICE_OPTIONS = {
  config: { type: 'string', short: 'c' },
  'http-port': { type: 'string' },
  'watch-config': { type: 'boolean', default: false },
} as const;

export function serviceUsage(name: ServiceName): string {
  return `usage: mailsort ${name} [--config FILE] [--http-port N] [--watch-config]
      run the ${name} service (config from --config or MAILSORT_CONFIG; REDIS_URL overrides redis.url;
      SIGHUP or --watch-config reloads the config and TLS certificates)`;
}

export interface RunServiceOptions {
  name: ServiceName;
  factory: ServiceFactory;
  argv: string[];
  env: Env;
  exit: (code: number) => void;
  /** Where usage errors go (stderr). */
  printError: (text: string) => void;
  /** Where --help goes (stdout). */
  print?: (text: string) => void;
  shutdownDeadlineMs?: number;
}

/**
 * The wiring every service's entry point shares: config, logger, metrics, Redis, the ops HTTP
 * server, `createXService`, and the ordered shutdown on SIGTERM/SIGINT.
 */
export async function runService({ name, factory, argv, env, exit, printError, print = (text) => process.stdout.write(`${text}\n`), shutdownDeadlineMs = 30_000 }: RunServiceOptions): Promise<void> {
  let values: { config?: string; 'http-port'?: string; 'watch-config'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { ...SERVICE_OPTIONS, help: { type: 'boolean', short: 'h' } }, allowPositionals: false, strict: true }));
  } catch (error) {
    printError(`mailsort ${name}: ${(error as Error).message}\n${serviceUsage(name)}`);
    return exit(2);
  }
  if (values.help) {
    print(serviceUsage(name));
    return exit(0);
  }
  const configFile = values.config ?? env.MAILSORT_CONFIG;
  if (!configFile) {
    printError(`mailsort ${name}: give --config FILE or set MAILSORT_CONFIG`);
    return exit(2);
  }
  let config: Config;
  try {
    ({ config } = loadConfigFile(configFile, env));
  } catch (error) {
    printError(error instanceof ConfigError ? error.problems.map(formatProblem).join('\n') : (error as Error).message);
    return exit(2);
  }

  let target: RedisTarget;
  try {
    target = redisTargetOf(config.redis);
  } catch (error) {
    printError(`mailsort ${name}: ${errorCodeOf(error) ?? 'CONFIG_INVALID'}: ${(error as Error).message}`);
    return exit(2);
  }
  const logger = createLogger({ service: name, level: env.LOG_LEVEL ?? 'info' });
  const registry = createMetricsRegistry(name);
  const redis = createRedisFactory({ target, name, logger, clusterNodes: config.redis.cluster_nodes });
  // Every service reports the mail queues' lengths, so a dashboard sees them while any one
  // service is up; dashboards aggregate with max by (queue, state).
  const gaugeConnection = redis.connect('producer');
  const keyspace = keyspaceOf(config.redis);
  const gaugeQueues = [QUEUES.route, QUEUES.deliver].flatMap((queue) =>
    Array.from({ length: keyspace.shards }, (_, shard) => ({ queue: createQueue(queue, gaugeConnection, keyspace.shardPrefix(shard)), shard })),
  );
  createQueueGauges(registry, gaugeQueues);
  createRedisMetrics(registry, { master: () => redis.master(), role: () => gaugeConnection.call('ROLE') });
  let service: Service;
  try {
    service = await factory(config, { logger, registry, redis });
  } catch (error) {
    // A service that cannot be built from a valid config (an unreadable certificate or
    // users file) is a configuration problem too: one clear line, exit 2, no stack.
    printError(`mailsort ${name}: ${errorCodeOf(error) ?? 'SERVICE_CRASHED'}: ${(error as Error).message}`);
    await redis.quitAll();
    return exit(2);
  }
  const portKey = name === 'gocd-sync' ? 'gocd_sync' : name;
  const ops = createOpsServer({
    registry,
    isReady: () => !shutdown.started && service.isReady() && redis.allReady(),
    host: config.http.host,
    port: values['http-port'] !== undefined ? Number(values['http-port']) : config.http.ports[portKey],
  });

  // The console's chart: this process's counters, summed into Redis every few seconds.
  const sampler = startRateSampler({ registry, redis: gaugeConnection, prefix: keyspace.global, logger });
  const reloads = installReload({ file: configFile, env, logger, registry, config, service, watch: values['watch-config'] || config.reload.watch });
  const shutdown = createShutdown(
    [
      {
        name: 'stop intake',
        run: () => {
          reloads.close();
          return service.stopIntake();
        },
      },
      { name: 'close workers', run: () => service.closeWorkers() },
      {
        name: 'close producers',
        run: async () => {
          await service.closeProducers();
          await sampler.stop();
          await Promise.all(gaugeQueues.map(({ queue }) => queue.close()));
        },
      },
      { name: 'quit redis', run: () => redis.quitAll() },
      { name: 'close ops server', run: () => ops.close() },
      { name: 'flush logs', run: () => new Promise<void>((resolve) => logger.flush(() => resolve())) },
    ],
    { logger, deadlineMs: shutdownDeadlineMs, exit },
  );
  let signals = 0;
  const onSignal = (signal: string) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal; forcing exit');
      return exit(1);
    }
    void shutdown.run(signal).then(exit);
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  const crash = (error: unknown) => {
    logger.fatal({ code: errorCodeOf(error) ?? 'SERVICE_CRASHED', err: error }, 'unhandled error; exiting');
    logger.flush(() => exit(1));
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);

  const httpPort = await ops.listen();
  await service.start();
  logger.info({ httpPort, redis: target.describe }, `${name} started`);
}

/** The files whose change a watch reloads on: the config itself and the files it names. */
function watchedFiles(config: Config, file: string): string[] {
  const { tls, users_file: usersFile } = config.ingest;
  const upstreamFiles = config.upstreams.flatMap((upstream) => [upstream.tls_config.ca_file, upstream.tls_config.cert_file, upstream.tls_config.key_file]);
  return [file, tls?.cert_file, tls?.key_file, usersFile, ...upstreamFiles].filter((name): name is string => name !== undefined);
}

/** SIGHUP, and with `watch` a debounced watch on the config's files, reload the config. */
function installReload({
  file,
  env,
  logger,
  registry,
  config,
  service,
  watch,
}: {
  file: string;
  env: Env;
  logger: ReturnType<typeof createLogger>;
  registry: ReturnType<typeof createMetricsRegistry>;
  config: Config;
  service: Service;
  watch: boolean;
}): { close(): void } {
  let closed = false;
  let watcher: { close(): void } | undefined;
  const reloader = createReloader({ file, env, logger, metrics: createReloadMetrics(registry), running: config, apply: (next) => service.reload?.(next) });
  const rewatch = () => {
    watcher?.close();
    watcher = watch && !closed ? watchFiles(watchedFiles(reloader.config, file), reloader.config.reload.debounce, () => void reload('watch')) : undefined;
  };
  const reload = async (reason: string) => {
    if (closed) return;
    // The certificate or users file may have moved with the config: watch the new paths.
    if ((await reloader.reload(reason)) === 'applied') rewatch();
  };
  process.on('SIGHUP', () => void reload('SIGHUP'));
  rewatch();
  return {
    close() {
      closed = true;
      watcher?.close();
    },
  };
}
