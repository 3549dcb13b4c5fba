import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Writes a configuration object as YAML to a fresh temp file and returns its path. */
export function writeConfigFile(config: unknown, name = 'mailsort.yml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailsort-test-'));
  const file = join(dir, name);
  writeFileSync(file, typeof config === 'string' ? config : stringify(config));
  return file;
}

/** The config every multi-process test starts from: loopback listener, one plain upstream, free ports. */
export function baseConfig({ prefix, smtpPort, upstreamPort }: { prefix: string; smtpPort: number; upstreamPort: number }) {
  return {
    redis: { prefix },
    http: { host: '127.0.0.1' },
    ingest: { hostname: 'mailsort.test', listeners: [{ name: 'smtp', host: '127.0.0.1', port: smtpPort }] },
    upstreams: [{ name: 'default', host: '127.0.0.1', port: upstreamPort, tls: 'none' }],
  };
}
