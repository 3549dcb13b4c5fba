import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config/schema/redis.js';
import type { Logger } from 'pino';
import { connectCluster, watchClusterNodes } from './cluster.js';
import { redisTarget, type RedisTarget } from './connection-options.js';
import { noteMaster, type MasterSeen } from './master-address.js';
import { watchSentinelSwitch, type MasterSwitch } from './sentinel-switch.js';
import { watchConnection, type ConnectionWatch } from './watch-connection.js';

const FAILOVER_UNDER_WAY_MS = 30_000;

export type RedisRole = 'producer' | 'acceptor' | 'worker' | 'store';

const ROLE_OPTIONS: Record<RedisRole, RedisOptions> = {
  // A producer answers an SMTP client: when Redis is away the command must fail now (so the
  // client hears 451 and retries), not wait in an offline queue.
  producer: { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 3000 },
  // Ingest's accept write: fails at once when Redis is away, like a producer, but has no
  // command timeout of its own. A timeout does not stop a command Redis may still run, so
  // ingest bounds the wait itself (limits.store_timeout) and withdraws what it stored when it
  // gives up: a 451 must never leave a message that will be delivered.
  // Nor is a command in flight when the connection drops sent again on the next one: a WAIT
  // re-sent to a new master would count replicas of writes it never had (ingest fails the
  // accept on a drop, see services/ingest/src/connection-generation.ts).
  acceptor: { enableOfflineQueue: false, maxRetriesPerRequest: 1, autoResendUnfulfilledCommands: false },
  // A worker has no one waiting on it: it blocks until Redis is back, as BullMQ requires.
  worker: { enableOfflineQueue: true, maxRetriesPerRequest: null },
  // The stores of a worker process (message, ledger, delivery states, traces) wait like a
  // worker but get a connection apart from BullMQ's: BullMQ defines ~50 scripts on the
  // connections it uses, and ioredis copies each into every MULTI or pipeline made there.
  // Commands on one connection reach Redis in the order they were issued, which the stores
  // rely on (the ledger entry before the delivery is counted finished). No auto-pipelining:
  // measured, it cost more CPU than it saved, and it would let a MULTI overtake them.
  store: { enableOfflineQueue: true, maxRetriesPerRequest: null },
};

/** config.redis as ioredis options, its CA file read from disk. */
export function redisTargetOf(redis: RedisConfig): RedisTarget {
  return redisTarget(redis, (path) => readFileSync(path, 'utf8'));
}

/** A short-lived connection (the CLI's) to the Redis a config's `redis` section names: its cluster when cluster_nodes is set, else its url or Sentinels. */
export function connectRedis(redis: RedisConfig, options: RedisOptions): Redis {
  const merged = { ...redisTargetOf(redis).options, ...options };
  return redis.cluster_nodes?.length ? connectCluster(redis.cluster_nodes, merged) : new Redis(merged);
}

export interface RedisFactoryOptions {
  /** Where Redis is: one server, or a master the Sentinels name (redisTarget). */
  target: RedisTarget;
  /** Shown in `CLIENT LIST`, to tell the services apart. */
  name: string;
  /** Where each connection's changes of state go, one line each. */
  logger: Logger;
  /** redis.cluster_nodes: set, every connection is a Redis Cluster one (cluster.ts) and the target's host is not used. */
  clusterNodes?: readonly string[] | undefined;
}

/** Makes ioredis connections in the roles above, and closes them all at the end. */
export function createRedisFactory({ target, name, logger, clusterNodes }: RedisFactoryOptions) {
  const connections: Redis[] = [];
  // Also BullMQ's duplicates: every connection that must leave a demoted master.
  const everyConnection: Redis[] = [];
  const watched: ConnectionWatch[] = [];
  let quitting = false;
  let master: MasterSeen = { address: undefined, failovers: 0 };
  // Every connection that comes up says where the master is; the first on a new address is the
  // process's one line about the failover.
  const noteReady = (redis: Redis) => {
    const { remoteAddress, remotePort } = redis.stream ?? {};
    const change = noteMaster(master, remoteAddress ? `${remoteAddress}:${remotePort}` : undefined);
    master = change.seen;
    if (change.failover) logger.warn({ code: 'REDIS_FAILOVER', ...change.failover, failovers: master.failovers }, `redis master moved from ${change.failover.from} to ${change.failover.to}`);
  };
  const allUp = () => watched.every((watch) => watch.state === 'up' || watch.state === 'closed');
  // BullMQ duplicates a worker's connection for its blocking commands (and ioredis copies no
  // listeners): each duplicate is watched like its original, or its errors would go unlogged.
  const watch = (redis: Redis, role: string, connection: string): Redis => {
    everyConnection.push(redis);
    watched.push(watchConnection(redis, logger, { role, connection }, allUp));
    watchClusterNodes(redis, logger, { role, connection });
    redis.on('ready', () => noteReady(redis));
    const duplicate = redis.duplicate.bind(redis);
    let copies = 0;
    // A Cluster's duplicate takes (startupNodes, options): every argument is passed on.
    redis.duplicate = (...args: unknown[]) => watch((duplicate as (...given: unknown[]) => Redis)(...args), role, `${connection}-copy${++copies}`);
    return redis;
  };
  // The Sentinels moved the master while the old one may still take writes (a planned
  // failover): each connection up elsewhere reconnects now and is told the new master. One
  // that is not up is connecting already, and aborting that connect is what ends a connection
  // for good in ioredis (connection-options.ts): it is left alone.
  const leaveOldMaster = (change: MasterSwitch) => {
    const moving = everyConnection.filter((redis) => redis.status === 'ready' && `${redis.stream?.remoteAddress}:${redis.stream?.remotePort}` !== change.to);
    logger.info({ ...change, connections: moving.length }, `the Sentinels moved the redis master from ${change.from} to ${change.to}; connections still on another node reconnect`);
    for (const redis of moving) redis.disconnect(true);
  };
  // Failovers begun, and until when one counts as under way: to its switch or its end, at most
  // FAILOVER_UNDER_WAY_MS should a Sentinel's word on the end be missed.
  let failover = { begun: 0, underWayUntil: 0 };
  const switchWatch =
    target.mode === 'sentinel'
      ? watchSentinelSwitch(target.options, {
          onBegun: () => {
            failover = { begun: failover.begun + 1, underWayUntil: Date.now() + FAILOVER_UNDER_WAY_MS };
          },
          onSwitch: (change) => {
            failover = { ...failover, underWayUntil: 0 };
            leaveOldMaster(change);
          },
          onEnded: () => {
            failover = { ...failover, underWayUntil: 0 };
          },
        })
      : undefined;
  return {
    connect(role: RedisRole): Redis {
      const connectionName = `mailsort-${name}-${role}`;
      const answersClients = role === 'producer' || role === 'acceptor';
      const options: RedisOptions = {
        ...target.options,
        ...ROLE_OPTIONS[role],
        connectionName,
        // Ingest's connections retry briskly: until they reconnect, ingest can only answer 451.
        retryStrategy: (times) => (answersClients ? Math.min(times * 50, 250) : Math.min(times * 200, 2000)),
        // A master demoted by a failover refuses writes with READONLY while the connection
        // stays open: reconnect, and the Sentinels name the new master. A refused command did
        // not run, so a worker's is sent again there; ingest's fail, and the client hears 451.
        reconnectOnError: (error) => (/^READONLY\b/.test(error.message) ? (answersClients ? 1 : 2) : false),
        lazyConnect: false,
      };
      const redis = clusterNodes?.length ? connectCluster(clusterNodes, options) : new Redis(options);
      connections.push(watch(redis, role, `${connectionName}-${connections.length + 1}`));
      // ioredis gives up on a connection ("end") when a connect in progress is aborted, with
      // no retry of its own: one of ours that ends before quitAll is connected again, or the
      // process would answer 451 (or stop working) until restarted.
      redis.on('end', () => {
        if (!quitting) setTimeout(() => !quitting && redis.status === 'end' && redis.connect().catch(() => undefined), 1000).unref();
      });
      return redis;
    },
    /** How this process reaches Redis, and the master its connections last came up on. */
    get target(): RedisTarget {
      return target;
    },
    master(): MasterSeen {
      return master;
    },
    /**
     * Sentinel failovers this process heard begin, and whether one is under way: between a
     * Sentinel's promotion of a replica and the switch, the old master still answers, and what
     * it takes then, replicas' acknowledgements included, may be thrown away.
     */
    failover(): { begun: number; underWay: boolean } {
      return { begun: failover.begun, underWay: Date.now() < failover.underWayUntil };
    },
    /** Resolves once no Sentinel failover is under way (at once, nearly always). */
    async whenNoFailover(): Promise<void> {
      while (Date.now() < failover.underWayUntil) await new Promise((resolve) => setTimeout(resolve, 50));
    },
    allReady(): boolean {
      return connections.every((redis) => redis.status === 'ready');
    },
    /** Resolves once every connection is ready, or after `timeoutMs` whatever their state (Redis may be down at start). */
    async whenReady(timeoutMs: number): Promise<void> {
      let timer: NodeJS.Timeout | undefined;
      const ready = Promise.all(connections.filter((redis) => redis.status !== 'ready').map((redis) => new Promise((resolve) => redis.once('ready', resolve))));
      await Promise.race([
        ready,
        new Promise((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    },
    async quitAll(): Promise<void> {
      quitting = true;
      switchWatch?.close();
      await Promise.allSettled(
        connections.map(async (redis) => {
          if (redis.status === 'end') return;
          try {
            await redis.quit();
          } catch {
            redis.disconnect();
          }
        }),
      );
    },
  };
}

export type RedisFactory = ReturnType<typeof createRedisFactory>;
