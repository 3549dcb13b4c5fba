import { Cluster, type Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { ConnectionLabel } from './watch-connection.js';
import { hostPortAddress } from '../config/schema/redis-address.js';

/** `host:port` seed nodes (redis.cluster_nodes, checked by the config schema with the same parser) as ioredis wants them: an IPv6 host without its brackets. */
export function clusterStartupNodes(nodes: readonly string[]): Array<{ host: string; port: number }> {
  return nodes.map((node) => {
    const address = hostPortAddress(node);
    if ('problem' in address) throw new Error(`redis.cluster_nodes: ${address.problem}`);
    return address;
  });
}

/**
 * A Redis Cluster connection in one of the factory's roles. ioredis's Cluster has the
 * commands, scripts, MULTI and events of a single connection (a MULTI or script must stay in
 * one slot: store/keyspace.ts sees to it), so every store and BullMQ take it where they take a
 * Redis; the cast says so once, here.
 */
export function connectCluster(nodes: readonly string[], options: RedisOptions): Redis {
  const { enableOfflineQueue, retryStrategy, lazyConnect, ...redisOptions } = options;
  const cluster = new Cluster(clusterStartupNodes(nodes), {
    enableOfflineQueue,
    lazyConnect,
    redisOptions,
    // After a master dies its replica takes over within cluster-node-timeout (+ election):
    // commands to its slots are retried on the refreshed slot map meanwhile.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    maxRedirections: 32,
    clusterRetryStrategy: (times) => (retryStrategy ? retryStrategy(times) : Math.min(times * 200, 2000)),
    slotsRefreshTimeout: 2000,
  });
  return cluster as unknown as Redis;
}

/**
 * A Cluster connection stays `ready` while one of its nodes is down (the other slots are
 * served), so its own watch (watch-connection.ts) says nothing: the nodes get one line each
 * per change instead — REDIS_UNAVAILABLE when one first fails, REDIS_RECONNECTED when it is
 * back in the pool, and a line when a failover's new slot map leaves it out.
 */
export function watchClusterNodes(connection: Redis, logger: Logger, label: ConnectionLabel): void {
  const redis: unknown = connection;
  if (!(redis instanceof Cluster)) return;
  const down = new Map<string, number>();
  const nameOf = (node: Redis) => `${node.options.host}:${node.options.port}`;
  redis.on('node error', (error: Error | undefined, node: string) => {
    if (down.has(node)) return;
    down.set(node, Date.now());
    logger.warn({ code: 'REDIS_UNAVAILABLE', ...label, node, error: error?.message }, 'a Redis Cluster node does not answer; its slots wait for a failover');
  });
  redis.on('+node', (node: Redis) => {
    const since = down.get(nameOf(node));
    if (since === undefined) return;
    down.delete(nameOf(node));
    logger.info({ code: 'REDIS_RECONNECTED', ...label, node: nameOf(node), downForMs: Date.now() - since }, 'a Redis Cluster node is back');
  });
  redis.on('-node', (node: Redis) => {
    if (down.delete(nameOf(node))) logger.info({ ...label, node: nameOf(node) }, 'a Redis Cluster node left the slot map (failed over)');
  });
}
