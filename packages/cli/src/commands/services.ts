import { runService, type ServiceFactory, type ServiceName } from '@mailsort/core';
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
};

export function isServiceName(name: string | undefined): name is ServiceName {
  return name !== undefined && Object.hasOwn(SERVICES, name);
}

/** The same options runService reads, checked first so that --help and mistakes get the usage. */
const SERVICE_OPTIONS = { config: { type: 'string', short: 'c' }, 'http-port': { type: 'string' } } as const;

export function serviceCommand(name: ServiceName): Command {
  return {
    usage: `${name} [--config FILE] [--http-port N]\n      run the ${name} service (config from --config or MAILSORT_CONFIG; REDIS_URL overrides redis.url)`,
    async run(args, env, io) {
      parseCommand(args, SERVICE_OPTIONS);
      await runService({
        name, factory: SERVICES[name], argv: args, env,
        exit: (code) => process.exit(code), printError: (text) => io.err(text),
      });
      return undefined;
    },
  };
}
