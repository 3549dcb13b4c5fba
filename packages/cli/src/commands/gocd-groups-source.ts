import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { connectRedis, createGocdState, keyspaceOf, parsePipelineGroups, type Config, type GocdState, type PipelineGroup } from '@mailsort/core';

export interface GroupsSource {
  groups: PipelineGroup[] | null;
  /** Where they came from, for the user. */
  origin: string;
}

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
    return { error: `Redis at ${config.redis.url.replace(/\/\/[^@/]*@/, '//')} does not answer (${(error as Error).message})` };
  }
}

export async function snapshotGroups(gocd: GocdState): Promise<GroupsSource> {
  const snapshot = await gocd.readSnapshot();
  if (!snapshot) return { groups: null, origin: 'Redis: no snapshot yet (is gocd-sync running?)' };
  return { groups: snapshot.groups, origin: `Redis snapshot from ${snapshot.source}, checked ${new Date(snapshot.checkedAt).toISOString()}` };
}
