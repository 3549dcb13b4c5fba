import { createGocdMetrics, type Config, type Service, type ServiceDeps } from '@mailsort/core';

/** Keeps a Redis snapshot of GoCD's pipeline groups for the router. */
export function createGocdSyncService(config: Config, { logger, registry }: ServiceDeps): Service {
  // Registered from the start so the dashboard and the snapshot-age alert find the series.
  createGocdMetrics(registry);
  return {
    async start() {
      if (!config.gocd) logger.info('no gocd section in the configuration; nothing to sync');
    },
    isReady: () => true,
    async stopIntake() {},
    async closeWorkers() {},
    async closeProducers() {},
  };
}
