import { z } from 'zod';
import { duration } from '../units.js';

const clusterNode = z.string().regex(/^[A-Za-z0-9_.-]+:[0-9]{1,5}$/, 'a cluster node is host:port, e.g. redis-0.redis:6379');

export const redisSchema = z.strictObject({
  /** REDIS_URL in the environment overrides this. */
  url: z.string().default('redis://127.0.0.1:6379'),
  /** Key prefix for queues and stored messages; several installations can share one Redis. */
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'use letters, digits, _ . - only')
    .default('mailsort'),
  /** Safety-net expiry of a stored message; normally it is deleted when its last delivery ends. */
  message_ttl: duration.prefault(7 * 86400),
  /** How long routing decisions stay readable by `mailsort trace`. */
  trace_ttl: duration.prefault(7 * 86400),

  // Redis Cluster and shards (docs/operations.md, "Redis Cluster"); restart-only like all of redis.
  /** Seed nodes of a Redis Cluster (`host:port`); set, mailsort talks Cluster and `url` is not used. */
  cluster_nodes: z.array(clusterNode).min(1, 'list at least one node, or leave cluster_nodes out').optional(),
  /**
   * Route/deliver queues and message keyspaces, each under its own hash tag, that ingest spreads
   * messages over and every router and sender works. 1: the names of a single Redis, unchanged.
   */
  shards: z.number().int('must be a whole number').min(1, 'must be at least 1').max(64, 'at most 64').default(1),
});
