import { createGocdMetrics, failureCode, type Config, type Service, type ServiceDeps } from '@mailsort/core';
import { createPoller } from './poller.js';

/** Keeps a Redis snapshot of GoCD's pipeline groups for the router, polled once per interval across replicas. */
export function createGocdSyncService(config: Config, { logger, registry, redis }: ServiceDeps): Service {
  const gocd = config.gocd;
  const metrics = createGocdMetrics(registry);
  const connection = redis.connect('worker');
  const poller = gocd ? createPoller(gocd, { redis: connection, prefix: config.redis.prefix, logger, metrics }) : undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let polling = false;
  function tick(): void {
    // A poll slower than the interval is not overlapped by the next one.
    if (!poller || stopped || polling) return;
    polling = true;
    running = poller
      .pollOnce()
      .catch((error: unknown) => logger.error({ code: failureCode(error, 'GOCD_SYNC_FAILED'), err: error }, 'GoCD poll failed'))
      .finally(() => (polling = false));
  }

  return {
    async start() {
      if (!gocd || !poller) {
        logger.info('no gocd section in the configuration; nothing to sync');
        return;
      }
      tick();
      timer = setInterval(tick, gocd.interval);
    },
    isReady: () => true,
    async stopIntake() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
    async closeWorkers() {},
    async closeProducers() {},
  };
}
