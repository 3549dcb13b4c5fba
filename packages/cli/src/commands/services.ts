import { runService, SERVICE_OPTIONS, serviceUsage, type ServiceFactory, type ServiceName } from '@mailsort/core';
import { parseCommand } from './parse-command.js';
import type { Command } from './run-command.js';

// Each service is loaded only when it is the one to run: a process holds its own service's
// modules, not the other four's (the console's HTTP stack, smtp-server, nodemailer), which
// took 4–10 MB of the 100 MB a service may use (docs/performance.md, "Memory").
export const SERVICES: Record<ServiceName, () => Promise<ServiceFactory>> = {
  ingest: async () => (await import('@mailsort/ingest')).createIngestService,
  router: async () => (await import('@mailsort/router')).createRouterService,
  sender: async () => (await import('@mailsort/sender')).createSenderService,
  'gocd-sync': async () => (await import('@mailsort/gocd-sync')).createGocdSyncService,
  console: async () => (await import('@mailsort/console')).createConsoleService,
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
        factory: await SERVICES[name](),
        argv: args,
        env,
        exit: (code) => process.exit(code),
        printError: (text) => io.err(text),
      });
      return undefined;
    },
  };
}
