import type { ConnectionOptions } from 'node:tls';
import type { RedisOptions } from 'ioredis';
import { MailsortError } from '../errors.js';
import type { RedisConfig } from '../config/schema/redis.js';
import { redactedUrl, redisUrlParts, hostPortAddress } from '../config/schema/redis-address.js';

export type ReadFile = (path: string) => string;

/** What `connect` needs to reach Redis: the options of every connection, whatever its role. */
export interface RedisTarget {
  options: RedisOptions;
  mode: 'single' | 'sentinel';
  /** For logs: the URL without its password, or the Sentinels and the master's name. */
  describe: string;
}

/** `host:port` (IPv6 in brackets) as ioredis takes a Sentinel. */
export function parseHostPort(value: string): { host: string; port: number } {
  const address = hostPortAddress(value);
  if ('problem' in address) throw new MailsortError('CONFIG_INVALID', address.problem);
  return address;
}

function tlsOptions(redis: RedisConfig, secureUrl: boolean, read: ReadFile): ConnectionOptions | undefined {
  if (!redis.tls && !secureUrl) return undefined;
  const { ca_file: caFile, servername, reject_unauthorized: rejectUnauthorized = true } = redis.tls ?? {};
  return {
    rejectUnauthorized,
    ...(caFile ? { ca: read(caFile) } : {}),
    ...(servername ? { servername } : {}),
  };
}

function withoutServername({ servername: _servername, ...tls }: ConnectionOptions): ConnectionOptions {
  return tls;
}

/**
 * The ioredis options for `config.redis`: one Redis from `url`, or the master of
 * `master_name` as the Sentinels name it. The URL's user, password and database apply in
 * both modes; `password`/`username` override the URL's. TLS (`rediss://` or `tls:`) covers
 * the Sentinels too: a deployment that encrypts Redis encrypts its Sentinels alike.
 * Reads the CA file through `read`, and nothing else.
 */
export function redisTarget(redis: RedisConfig, read: ReadFile): RedisTarget {
  const url = redisUrlParts(redis.url);
  if ('problem' in url) throw new MailsortError('CONFIG_INVALID', `redis.url ${url.problem}`);
  const tls = tlsOptions(redis, url.secure, read);
  const { db } = url;
  const username = redis.username ?? url.username;
  const password = redis.password ?? url.password;
  const common: RedisOptions = {
    db,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(tls ? { tls } : {}),
  };
  if (!redis.sentinels) {
    return { mode: 'single', options: { ...common, host: url.host, port: url.port }, describe: redactedUrl(redis.url) };
  }
  return {
    mode: 'sentinel',
    options: {
      ...common,
      sentinels: redis.sentinels.map(parseHostPort),
      name: redis.master_name,
      ...(redis.sentinel_password !== undefined ? { sentinelPassword: redis.sentinel_password } : {}),
      ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: withoutServername(tls) } : {}),
      // tls.servername names the data nodes' certificate; a Sentinel is checked against its own host.
      // No failoverDetector (+switch-master): in a bench run with it on, ingest's accept
      // connection ended for good after a failover and ingest stayed at 451 — ioredis sets
      // "end" when the connector's connect is aborted, as its disconnect() on +switch-master
      // can do mid-reconnect. A demoted master that
      // keeps its connections is left on its first READONLY instead (connections.ts); every
      // connection writes sooner or later, BullMQ's blocking pops included. A planned failover's
      // old master is left at the switch, by the connections that are up (sentinel-switch.ts).
    },
    describe: `sentinel ${redis.master_name} via ${redis.sentinels.join(',')}`,
  };
}
