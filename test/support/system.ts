import { freePort } from '@mailsort/cli';
import { writeConfigFile } from './config.js';
import { startServiceReady, type RunningService } from './processes.js';
import { uniquePrefix } from './redis.js';

export interface SystemOptions {
  name: string;
  upstreamPort: number;
  /** Merged over the generated config (shallow per top-level key). */
  extra?: Record<string, unknown>;
  services?: string[];
  env?: Record<string, string>;
}

/** A config on free ports with a unique Redis prefix, and the services started from it. */
export async function startSystem({ name, upstreamPort, extra = {}, services = ['sender', 'router', 'gocd-sync', 'ingest'], env }: SystemOptions) {
  const prefix = uniquePrefix(name);
  const smtpPort = await freePort();
  const config = {
    redis: { prefix },
    ingest: { hostname: 'mailsort.test', listeners: [{ name: 'smtp', host: '127.0.0.1', port: smtpPort }] },
    upstreams: [{ name: 'default', host: '127.0.0.1', port: upstreamPort, tls: 'none' }],
    http: { host: '127.0.0.1' },
    ...extra,
  };
  const configFile = writeConfigFile(config);
  const running: RunningService[] = [];
  for (const service of services) running.push(await startServiceReady(service, configFile, { args: ['--http-port', '0'], ...(env ? { env } : {}) }));
  return {
    prefix, smtpPort, configFile, services: running,
    service: (serviceName: string) => running.find((s) => s.name === serviceName)!,
    async stop(): Promise<Array<number | null>> {
      return Promise.all(running.map((s) => s.stop('SIGTERM')));
    },
  };
}
