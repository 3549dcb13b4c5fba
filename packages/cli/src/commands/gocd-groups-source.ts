import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { connectRedis, createGocdState, keyspaceOf, parsePipelineGroups, redisTargetOf, type Config, type ExplainRedis, type GocdState, type PipelineGroup } from '@mailsort/core';

export { snapshotGroups, type GroupsSource } from '@mailsort/core';

/** A saved `/go/api/admin/pipeline_groups` v1 response (or a legacy array, or a snapshot). */
export function readGroupsFile(file: string): PipelineGroup[] {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read GoCD groups from ${file}: ${(error as Error).message}`);
  }
  const groups = parsePipelineGroups(document);
  if (!groups) throw new Error(`${file} is not a GoCD pipeline-group list (save the answer of GET /go/api/admin/pipeline_groups with Accept: application/vnd.go.cd.v1+json)`);
  return groups;
}

/**
 * A short-lived Redis connection for a CLI command: fails fast instead of retrying, so a
 * command run without Redis says so at once.
 */
export async function connectCliRedis(config: Config): Promise<{ redis: Redis; gocd: GocdState } | { error: string }> {
  const redis = connectRedis(config.redis, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return { redis, gocd: createGocdState(redis, keyspaceOf(config.redis)) };
  } catch (error) {
    redis.disconnect();
    return { error: `Redis (${redisTargetOf(config.redis).describe}) does not answer (${(error as Error).message})` };
  }
}

/** Explain's reads, each on a short-lived connection of its own (as the CLI always did). */
export function cliExplainRedis(config: Config): ExplainRedis {
  return {
    async open() {
      const connected = await connectCliRedis(config);
      return 'error' in connected ? connected : { redis: connected.redis };
    },
    release: (redis) => redis.disconnect(),
  };
}
