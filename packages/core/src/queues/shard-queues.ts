import type { ConnectionOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { shardOfId, type Keyspace } from '../store/keyspace.js';
import { createQueue, type QUEUES } from './catalogue.js';

/** A per-message queue (route or deliver) once per shard: shard s's copy shares the hash tag of shard s's messages. */
export interface ShardQueues {
  readonly name: typeof QUEUES.route | typeof QUEUES.deliver;
  /** Indexed by shard. */
  readonly all: readonly Queue[];
  /** The queue of the shard an id (message, delivery, notice) belongs to. */
  forId(id: string): Queue;
  close(): Promise<void>;
}

/**
 * What shard `shard`'s worker of a process may run at once, so that the process as a whole runs
 * `total` (the configured concurrency), not shards × total: an upstream's connection limit and
 * KEDA's jobs-per-sender threshold are set for the process. The shards' traffic is even (each
 * ingest replica spreads its ids over them); every shard's worker runs at least one.
 */
export function concurrencyOfShard(total: number, shards: number, shard: number): number {
  const even = Math.floor(total / shards);
  return Math.max(1, even + (shard < total - even * shards ? 1 : 0));
}

export function createShardQueues(name: ShardQueues['name'], connection: Redis | ConnectionOptions, keyspace: Keyspace): ShardQueues {
  const all = Array.from({ length: keyspace.shards }, (_, shard) => createQueue(name, connection, keyspace.shardPrefix(shard)));
  const extra = new Map<number, Queue>();
  return {
    name,
    all,
    forId(id) {
      const shard = shardOfId(id);
      if (shard < all.length) return all[shard]!;
      // A message of a shard beyond redis.shards (K was lowered): its jobs stay in its own shard.
      if (!extra.has(shard)) extra.set(shard, createQueue(name, connection, keyspace.shardPrefix(shard)));
      return extra.get(shard)!;
    },
    async close() {
      await Promise.all([...all, ...extra.values()].map((queue) => queue.close()));
    },
  };
}
