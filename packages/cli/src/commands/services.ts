import { runService, SERVICE_OPTIONS, serviceUsage, type ServiceFactory, type ServiceName } from '@mailsort/core';
import { createConsoleService } from '@mailsort/console';
import { createGocdSyncService } from '@mailsort/gocd-sync';
import { createIngestService } from '@mailsort/ingest';
import { createRouterService } from '@mailsort/router';
import { createSenderService } from '@mailsort/sender';
import { parseCommand } from './parse-command.js';
import type { Command } from './run-command.js';

export const SERVICES: Record<ServiceName, ServiceFactory> = {
  ingest: createIngestService,
  router: createRouterService,
  sender: createSenderService,
  'gocd-sync': createGocdSyncService,
  console: createConsoleService,
};

export function isServiceName(name: string | undefined): name is ServiceName {
  return name !== undefined && Object.hasOwn(SERVICES, name);
}

export function serviceCommand(name: ServiceName): Command {
  return {
    usage: serviceUsage(name).replace(/^usage: mailsort /, ''),
    async run(args, env, io) {
      parseCommand(args, SERVICE_OPTIONS);
      await runService({
        name,
        factory: SERVICES[name],
        argv: args,
        env,
        exit: (code) => process.exit(code),
        printError: (text) => io.err(text),
      });
      return undefined;
    },
  };
}
