import { readFileSync } from 'node:fs';
import { Worker } from 'bullmq';
import {
  concurrencyOfShard,
  crashRecovery,
  createCanaryMetrics,
  createCanaryStore,
  createMessageLifecycle,
  errorCodeOf,
  keyspaceOf,
  createMessageStore,
  createOutcomeMetrics,
  createShardQueues,
  createDeliveryStates,
  createSenderMetrics,
  MailsortError,
  observeBullmq,
  QUEUES,
  type Config,
  type Service,
  type ServiceDeps,
} from '@mailsort/core';
import { canaryTarget, type CanaryTarget } from './canary-client.js';
import { createCanaryProber } from './canary-prober.js';
import { createCircuitBreaker } from './circuit-breaker.js';
import { createDeliverProcessor, DeferredDelivery } from './deliver-job.js';
import { createNotifier } from './notifier.js';
import { createSmtpDelivery } from './smtp-delivery.js';

function readCanaryTarget(canary: NonNullable<Config['canary']>, config: Config) {
  try {
    return canaryTarget(canary, config, (path) => readFileSync(path));
  } catch (error) {
    throw new MailsortError('CONFIG_UNREADABLE', `cannot set up the canary: ${(error as Error).message}`, { cause: error });
  }
}

/** Delivers deliver jobs: SMTP through pooled upstreams with failover, webhooks over HTTP. */
export function createSenderService(config: Config, { logger, registry, redis }: ServiceDeps): Service {
  // Message keys and deliver queues per shard; the rest under the global prefix (store/keyspace.ts).
  const keyspace = keyspaceOf(config.redis);
  const prefix = keyspace;
  // The stores share a connection apart from BullMQ's (see the `store` role).
  const storeConnection = redis.connect('store');
  const store = createMessageStore(storeConnection, prefix);
  const lifecycle = createMessageLifecycle(storeConnection, { prefix, messageTtlMs: config.redis.message_ttl, traceTtlMs: config.redis.trace_ttl });
  const states = createDeliveryStates(storeConnection, prefix);
  const deliverQueues = createShardQueues(QUEUES.deliver, redis.connect('worker'), keyspace);
  let smtp: ReturnType<typeof createSmtpDelivery> | undefined;
  const metrics = createSenderMetrics(registry, { poolConnections: () => smtp?.connections() ?? [], upstreams: config.upstreams.map((upstream) => upstream.name) });
  const outcomes = createOutcomeMetrics(registry);
  const canaryMetrics = createCanaryMetrics(registry);
  const canaryStore = createCanaryStore(storeConnection, prefix);
  // The canary runs in the sender (docs/guards.md): one probe per interval across its replicas.
  let canaryBlocking: ReturnType<typeof redis.connect> | undefined;
  const targetFor = (next: Config) => (next.canary ? readCanaryTarget(next.canary, next) : undefined);
  const proberFor = (target: CanaryTarget | undefined) => {
    if (!target) return undefined;
    canaryBlocking ??= redis.connect('worker');
    return createCanaryProber(target, { store: canaryStore, blocking: canaryBlocking, metrics: canaryMetrics, logger });
  };
  // What the canary probes follows from more than `canary:` (the listeners, the default upstream).
  let canaryKey = JSON.stringify(targetFor(config) ?? null);
  let prober = proberFor(targetFor(config));
  let retiring: Promise<void> = Promise.resolve();
  // A probe of the old prober may still finish: its upstream's series go only once it has.
  const swapProber = (next: ReturnType<typeof proberFor>) => {
    const old = prober;
    prober = next;
    if (workers.length > 0) prober?.start();
    if (!old) return;
    retiring = old.stop().then(() => {
      if (old.upstream === prober?.upstream) return;
      canaryMetrics.success.remove({ upstream: old.upstream });
      canaryMetrics.lastSuccess.remove({ upstream: old.upstream });
    });
  };
  const breaker = createCircuitBreaker({
    failures: config.delivery.breaker.failures,
    openForMs: config.delivery.breaker.open_for,
    onChange: (upstream, open) => {
      metrics.breakerOpen.set({ upstream }, open ? 1 : 0);
      logger.warn({ upstream, open, code: 'DELIVERY_TEMPORARY' }, open ? 'upstream paused after repeated failures' : 'upstream resumed');
    },
  });
  for (const upstream of config.upstreams) metrics.breakerOpen.set({ upstream: upstream.name }, 0);
  try {
    smtp = createSmtpDelivery({ upstreams: config.upstreams, readFile: (path) => readFileSync(path), breaker, metrics, logger });
  } catch (error) {
    throw new MailsortError('CONFIG_UNREADABLE', `cannot set up the upstreams: ${(error as Error).message}`, { cause: error });
  }
  const generation = (next: Config) => ({
    config: next,
    processDelivery: createDeliverProcessor({
      config: next,
      lifecycle,
      smtp: smtp!,
      metrics,
      outcomes,
      logger,
      states,
      canary: canaryStore,
      notify: createNotifier({ config: next, store, lifecycle, queues: deliverQueues, redis: storeConnection, metrics, logger }),
      whenNoFailover: redis.whenNoFailover,
    }),
  });
  // A job runs on the generation it started with; a reload swaps this for the next job.
  let current = generation(config);
  let workers: Worker[] = [];
  const backoff = (attemptsMade: number, error?: Error) => {
    const { retry } = current.config.delivery;
    return error instanceof DeferredDelivery ? error.delayMs : (retry[Math.min(attemptsMade, retry.length) - 1] ?? retry.at(-1)!);
  };

  return {
    async start() {
      // One deliver worker per shard (redis.shards), sharing delivery.concurrency.
      workers = Array.from({ length: keyspace.shards }, (_, shard) => {
        const connection = redis.connect('worker');
        const worker = new Worker(QUEUES.deliver, (job) => current.processDelivery(job), {
          connection,
          prefix: keyspace.shardPrefix(shard),
          concurrency: concurrencyOfShard(current.config.delivery.concurrency, keyspace.shards, shard),
          ...crashRecovery(config.delivery.stalled_after),
          settings: {
            backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) => backoff(attemptsMade, error),
          },
        });
        // Dead letters log themselves; a payload that failed its schema is logged here.
        worker.on('failed', (job, error) => {
          if (errorCodeOf(error) === 'JOB_INVALID') logger.error({ jobId: job?.id, code: 'JOB_INVALID', err: error }, 'deliver job is not a valid payload');
        });
        observeBullmq(worker, connection, 'deliver worker');
        return worker;
      });
      prober?.start();
    },
    isReady: () => workers.length > 0 && workers.every((worker) => worker.isRunning()),
    reload(next) {
      // Read first: a canary CA file that cannot be read refuses the reload before anything changed.
      const nextCanary = targetFor(next);
      try {
        smtp!.update(next.upstreams);
      } catch (error) {
        throw new MailsortError('CONFIG_RELOAD_FAILED', `cannot set up the upstreams: ${(error as Error).message}`, { cause: error });
      }
      for (const upstream of next.upstreams) if (!current.config.upstreams.some((old) => old.name === upstream.name)) metrics.breakerOpen.set({ upstream: upstream.name }, 0);
      if (JSON.stringify(nextCanary ?? null) !== canaryKey) {
        canaryKey = JSON.stringify(nextCanary ?? null);
        swapProber(proberFor(nextCanary));
      }
      current = generation(next);
      workers.forEach((worker, shard) => {
        const concurrency = concurrencyOfShard(next.delivery.concurrency, keyspace.shards, shard);
        if (worker.concurrency !== concurrency) worker.concurrency = concurrency;
      });
    },
    async stopIntake() {
      await Promise.all([prober?.stop(), retiring]);
    },
    async closeWorkers() {
      await Promise.all(workers.map((worker) => worker.close()));
    },
    async closeProducers() {
      smtp?.close();
      await deliverQueues.close();
    },
  };
}
