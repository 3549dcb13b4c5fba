import { freePort } from '@mailsort/cli';
import { baseConfig, writeConfigFile } from './config.js';
import { startServicesReady } from './processes.js';
import { uniquePrefix } from './redis.js';

export interface SystemOptions {
  name: string;
  upstreamPort: number;
  /** Merged over the generated config (shallow per top-level key). */
  extra?: Record<string, unknown>;
  services?: string[];
  env?: Record<string, string>;
  /** The ingest port, when `extra` replaces the ingest section and must name it. */
  smtpPort?: number;
}

/** A config on free ports with a unique Redis prefix, and the services started from it. */
export async function startSystem({ name, upstreamPort, extra = {}, services = ['sender', 'router', 'gocd-sync', 'ingest'], env, smtpPort: givenPort }: SystemOptions) {
  const prefix = uniquePrefix(name);
  const smtpPort = givenPort ?? (await freePort());
  const config = { ...baseConfig({ prefix, smtpPort, upstreamPort }), ...extra };
  const configFile = writeConfigFile(config);
  const running = await startServicesReady(services, configFile, { args: ['--http-port', '0'], ...(env ? { env } : {}) });
  return {
    prefix,
    smtpPort,
    configFile,
    services: running,
    service: (serviceName: string) => running.find((s) => s.name === serviceName)!,
    async stop(): Promise<Array<number | null>> {
      return Promise.all(running.map((s) => s.stop('SIGTERM')));
    },
  };
}
