import type { ServiceFactory, ServiceName } from '@mailsort/core';
import { createGocdSyncService } from '@mailsort/gocd-sync';
import { createIngestService } from '@mailsort/ingest';
import { createRouterService } from '@mailsort/router';
import { createSenderService } from '@mailsort/sender';

export const SERVICES: Record<ServiceName, ServiceFactory> = {
  ingest: createIngestService,
  router: createRouterService,
  sender: createSenderService,
  'gocd-sync': createGocdSyncService,
};

export function isServiceName(name: string | undefined): name is ServiceName {
  return name !== undefined && Object.hasOwn(SERVICES, name);
}
