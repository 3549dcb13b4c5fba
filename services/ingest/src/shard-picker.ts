/**
 * Which shard the next accepted message goes to: round-robin from a random start, so that
 * each ingest replica spreads its own mail evenly and replicas started together do not march
 * in step. With one shard, always 0 (the message id then has no shard suffix).
 */
export function createShardPicker(shards: number, start = Math.floor(Math.random() * shards)): () => number {
  let next = start % shards;
  return () => {
    const shard = next;
    next = (next + 1) % shards;
    return shard;
  };
}
