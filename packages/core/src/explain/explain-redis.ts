import type { Redis } from 'ioredis';
import type { createGocdState } from '../store/gocd-state.js';
import type { PipelineGroup } from '../rules/types.js';

/**
 * How explain reads Redis (never writes it): the CLI opens a short-lived connection per read
 * and closes it; the console lends its own and keeps it.
 */
export interface ExplainRedis {
  open(): Promise<{ redis: Redis } | { error: string }>;
  release(redis: Redis): void;
}

export interface GroupsSource {
  groups: PipelineGroup[] | null;
  /** Where they came from, for the user. */
  origin: string;
}

export async function snapshotGroups(gocd: ReturnType<typeof createGocdState>): Promise<GroupsSource> {
  const snapshot = await gocd.readSnapshot();
  if (!snapshot) return { groups: null, origin: 'Redis: no snapshot yet (is gocd-sync running?)' };
  return { groups: snapshot.groups, origin: `Redis snapshot from ${snapshot.source}, checked ${new Date(snapshot.checkedAt).toISOString()}` };
}

/** A connection the caller keeps open (the console's): explain never closes it. */
export function lentRedis(redis: Redis): ExplainRedis {
  return { open: async () => ({ redis }), release: () => undefined };
}
