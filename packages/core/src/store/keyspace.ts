/**
 * Where a key lives when Redis is split into shards (docs/operations.md, "Redis Cluster").
 *
 * Shard s of K holds its route and deliver queues and the keys of every message in it, all
 * under one hash tag, so the accept (message + route job) and every lifecycle script stay on
 * one Redis Cluster slot. A message's shard is written in its id (`M…-s2`; no suffix is shard
 * 0), and every other id of a message embeds that id (`d-M…-s2-0`, `n-d-M…-s2-0`, a group's
 * notification `g…-M…-s2-…`), so any of them finds its shard without a look-up and without K:
 * changing K never moves a key. Keys that belong to no message (GoCD, AUTH, alert groups,
 * flood buckets, expectations, canary) and the timed queues live with shard 0 under the global
 * prefix. With one shard and no cluster every name is the plain prefix, exactly as before shards.
 */
export interface Keyspace {
  /** Prefix of the keys and queues that belong to no one message; shard 0's prefix too. */
  readonly global: string;
  readonly shards: number;
  /** The prefix of shard `shard`'s queues and message keys. */
  shardPrefix(shard: number): string;
  /** The prefix of the keys of the message an id belongs to (a message, delivery, notice or notification id). */
  prefixOf(id: string): string;
}

export interface KeyspaceOptions {
  prefix: string;
  shards?: number;
  /** On a Redis Cluster even shard 0 and the global keys need a hash tag. */
  cluster?: boolean;
}

/** The most shards redis.shards allows: no id mailsort made names a shard at or past it. */
export const MAX_SHARDS = 64;

// A message id (see ids.ts) and its shard suffix, wherever it stands in a longer id.
const SHARDED_ID = /M[0-9A-HJKMNP-TV-Z]{19}-s([1-9][0-9]*)(?![0-9])/;

/**
 * The shard an id belongs to: the suffix of the message id it embeds, or 0. A suffix no
 * config could have made (`-s99999`, typed into a search) is no shard: every shard number
 * costs its queues, made once and kept (shard-queues.ts), so an id must not name thousands.
 */
export function shardOfId(id: string): number {
  const match = SHARDED_ID.exec(id);
  const shard = match ? Number(match[1]) : 0;
  return shard < MAX_SHARDS ? shard : 0;
}

export function createKeyspace({ prefix, shards = 1, cluster = false }: KeyspaceOptions): Keyspace {
  const global = cluster ? `{${prefix}}` : prefix;
  const shardPrefix = (shard: number) => (shard === 0 ? global : `{${prefix}-s${shard}}`);
  return { global, shards, shardPrefix, prefixOf: (id) => shardPrefix(shardOfId(id)) };
}

/** The keyspace of a config's `redis` section. */
export function keyspaceOf(redis: { prefix: string; shards?: number; cluster_nodes?: readonly string[] }): Keyspace {
  return createKeyspace({ prefix: redis.prefix, shards: redis.shards ?? 1, cluster: (redis.cluster_nodes?.length ?? 0) > 0 });
}

/** Keys can be built from a plain prefix (one shard, no cluster) or a keyspace. */
export type KeyPrefix = string | Keyspace;

export function asKeyspace(prefix: KeyPrefix): Keyspace {
  return typeof prefix === 'string' ? createKeyspace({ prefix }) : prefix;
}
