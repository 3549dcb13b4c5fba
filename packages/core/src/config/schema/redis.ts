import { z } from 'zod';
import { MAX_SHARDS } from '../../store/keyspace.js';
import { duration } from '../units.js';
import { redactedUrl, redisUrlParts, hostPortAddress } from './redis-address.js';

export { redactedUrl } from './redis-address.js';

/** `host:port` of a Sentinel; an IPv6 host in brackets, `[::1]:26379`. */
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/;
const hostPort = z.string().regex(HOST_PORT, 'expected host:port, e.g. sentinel-0:26379');

const clusterNode = z.string().regex(HOST_PORT, 'a cluster node is host:port, e.g. redis-0.redis:6379 or [fd00::5]:6379');

export const redisSchema = z
  .strictObject({
    /**
     * REDIS_URL in the environment overrides this. `rediss://` speaks TLS. With `sentinels` its
     * host and port are not used (the Sentinels name the master); its scheme, user, password and
     * database number still are.
     */
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
    /** Redis Sentinels to ask for the master of `master_name`; every connection follows a failover. */
    sentinels: z.array(hostPort).min(1, 'list at least one Sentinel, or leave sentinels out').optional(),
    /** The master group the Sentinels watch (`sentinel monitor <name> …`). */
    master_name: z.string().min(1).optional(),
    /** AUTH to the Sentinels (`requirepass` in sentinel.conf); or `sentinel_password_file`. */
    sentinel_password: z.string().optional(),
    /** AUTH to Redis itself; or `password_file`. Overrides a password in `url`. */
    password: z.string().optional(),
    /** ACL user to Redis itself, with `password`. */
    username: z.string().min(1).optional(),
    /** TLS to Redis (and to the Sentinels, which then speak TLS too). `rediss://` in `url` turns it on with defaults. */
    tls: z
      .strictObject({
        /** PEM file of the CA that signed Redis's certificate, when it is not a public one. */
        ca_file: z.string().optional(),
        /** The name to check the certificate against, when it is not the host connected to. */
        servername: z.string().optional(),
        reject_unauthorized: z.boolean().default(true),
      })
      .optional(),
    /**
     * Replicas that must have a message before ingest answers 250 (`WAIT N`); 0 answers as soon
     * as the master has it. Ingest answers 451 4.3.0 when fewer acknowledge in time.
     */
    min_replicas_acked: z.number().int().min(0).max(16).default(0),
    /** How long ingest waits for those replicas (WAIT's timeout); less than ingest.limits.store_timeout. */
    replica_ack_timeout: duration.prefault('1s'),

    // Redis Cluster and shards (docs/operations.md, "Redis Cluster"); restart-only like all of redis.
    /** Seed nodes of a Redis Cluster (`host:port`); set, mailsort talks Cluster and `url`'s host is not used. */
    cluster_nodes: z.array(clusterNode).min(1, 'list at least one node, or leave cluster_nodes out').optional(),
    /**
     * Route/deliver queues and message keyspaces, each under its own hash tag, that ingest spreads
     * messages over and every router and sender works. 1: the names of a single Redis, unchanged.
     */
    shards: z.number().int('must be a whole number').min(1, 'must be at least 1').max(MAX_SHARDS, `at most ${MAX_SHARDS}`).default(1),
  })
  .superRefine((redis, ctx) => {
    if (redis.sentinels && redis.master_name === undefined) {
      ctx.addIssue({ code: 'custom', path: ['sentinels'], message: 'needs redis.master_name, the master group the Sentinels monitor' });
    }
    if (!redis.sentinels && redis.master_name !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['master_name'], message: 'is used only with redis.sentinels; list them, or leave master_name out' });
    }
    if (!redis.sentinels && redis.sentinel_password !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['sentinel_password'], message: 'is used only with redis.sentinels; list them, or leave sentinel_password out' });
    }
    if (!/^rediss?:\/\//i.test(redis.url)) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: `"${redactedUrl(redis.url)}" is not a redis:// or rediss:// URL` });
    } else {
      // The same parse the connections make (redisTarget): what passes here, they accept.
      const parts = redisUrlParts(redis.url);
      if ('problem' in parts) ctx.addIssue({ code: 'custom', path: ['url'], message: parts.problem });
    }
    for (const key of ['sentinels', 'cluster_nodes'] as const) {
      for (const [index, node] of (redis[key] ?? []).entries()) {
        const address = hostPortAddress(node);
        // A value that is not host:port at all is reported by its own check.
        if ('problem' in address && HOST_PORT.test(node)) ctx.addIssue({ code: 'custom', path: [key, index], message: address.problem });
      }
    }
    if (redis.cluster_nodes && redis.sentinels) {
      ctx.addIssue({ code: 'custom', path: ['cluster_nodes'], message: 'a Redis Cluster fails over by itself: use cluster_nodes or sentinels, not both' });
    }
    if (redis.cluster_nodes && redis.min_replicas_acked > 0) {
      // WAIT is keyless: on a Cluster ioredis sends it to any node, not the message's master.
      ctx.addIssue({ code: 'custom', path: ['min_replicas_acked'], message: "is not supported with cluster_nodes (WAIT would reach a random node, not the message's master); leave it 0" });
    }
    if (redis.min_replicas_acked > 0 && redis.replica_ack_timeout === 0) {
      // WAIT N 0 blocks for ever.
      ctx.addIssue({ code: 'custom', path: ['replica_ack_timeout'], message: 'must be more than 0 when min_replicas_acked is set (WAIT with 0 waits for ever)' });
    }
  });

export type RedisConfig = z.output<typeof redisSchema>;
