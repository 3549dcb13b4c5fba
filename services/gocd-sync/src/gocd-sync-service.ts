import { createGocdMetrics, failureCode, keyspaceOf, type Config, type Service, type ServiceDeps } from '@mailsort/core';
import { createPoller } from './poller.js';

/** Keeps a Redis snapshot of GoCD's pipeline groups for the router, polled once per interval across replicas. */
export function createGocdSyncService(config: Config, { logger, registry, redis }: ServiceDeps): Service {
  const metrics = createGocdMetrics(registry);
  const connection = redis.connect('worker');
  const pollerFor = (gocd: Config['gocd']) => (gocd ? createPoller(gocd, { redis: connection, prefix: keyspaceOf(config.redis), logger, metrics }) : undefined);
  // What a reload swaps: the GoCD settings and the poller built from them, in one assignment.
  let current = { gocd: config.gocd, poller: pollerFor(config.gocd) };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let started = false;
  let stopped = false;
  let polling = false;
  function tick(): void {
    const { poller } = current;
    // A poll slower than the interval is not overlapped by the next one.
    if (!poller || stopped || polling) return;
    polling = true;
    running = poller
      .pollOnce()
      .catch((error: unknown) => logger.error({ code: failureCode(error, 'GOCD_SYNC_FAILED'), err: error }, 'GoCD poll failed'))
      .finally(() => (polling = false));
  }
  function schedule(): void {
    clearInterval(timer);
    timer = undefined;
    if (!current.gocd) {
      logger.info('no gocd section in the configuration; nothing to sync');
      return;
    }
    tick();
    timer = setInterval(tick, current.gocd.interval);
  }

  return {
    async start() {
      started = true;
      schedule();
    },
    isReady: () => true,
    reload(next) {
      if (JSON.stringify(next.gocd) === JSON.stringify(current.gocd)) return;
      current = { gocd: next.gocd, poller: pollerFor(next.gocd) };
      if (started && !stopped) schedule();
    },
    async stopIntake() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
    async closeWorkers() {},
    async closeProducers() {},
  };
}
