import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createGocdState, storeKeys, type GocdMetrics, type GroupsSnapshot, type KeyPrefix, type Logger } from '@mailsort/core';
import { parseCctray } from './cctray.js';
import { authHeaders, fetchPipelineGroups, gocdUrl, type GocdApi, type GocdSettings } from './gocd-client.js';

export type PollOutcome = 'skipped' | 'updated' | 'unchanged' | 'failed';

interface PollerDeps {
  redis: Redis;
  prefix: KeyPrefix;
  logger: Logger;
  metrics: GocdMetrics;
  now?: () => number;
}

/**
 * One poll per interval across all replicas: the replica that sets the lock polls; the lock
 * expires shortly before the next interval, so a dead replica's turn passes to another.
 * A failed poll or a garbage answer leaves the last good snapshot in place.
 */
export function createPoller(gocd: GocdSettings, { redis, prefix, logger, metrics, now = Date.now }: PollerDeps) {
  const state = createGocdState(redis, prefix);
  const lockKey = storeKeys(prefix).gocdPollLock();
  const token = randomUUID();
  const source = gocd.url.replace(/\/\/[^@/]*@/, '//');
  let lastApi: GocdApi | undefined;
  let seeded = !gocd.cctray;

  async function seedFromCctray(): Promise<void> {
    try {
      const response = await fetch(gocdUrl(gocd, '/cctray.xml'), { headers: authHeaders(gocd), signal: AbortSignal.timeout(gocd.timeout) });
      if (response.status !== 200) throw new Error(`status ${response.status}`);
      const added = await state.seedStageResults(parseCctray(await response.text()), now());
      seeded = true;
      logger.info({ added }, 'seeded the stage history from cctray.xml');
    } catch (error) {
      logger.warn({ code: 'GOCD_BAD_RESPONSE', reason: 'cctray', err: error }, 'could not seed the stage history from cctray.xml; will try again');
    }
  }

  async function write(previous: GroupsSnapshot | null, snapshot: GroupsSnapshot): Promise<void> {
    await state.writeSnapshot(snapshot);
    metrics.lastSuccess.set(snapshot.checkedAt / 1000);
    metrics.pipelines.set(snapshot.groups.reduce((sum, group) => sum + group.pipelines.length, 0));
    if (previous?.fetchedAt !== snapshot.fetchedAt) logger.info({ groups: snapshot.groups.length, api: lastApi }, 'pipeline-group snapshot updated');
  }

  return {
    /** Polls GoCD if this replica holds this interval's turn. */
    async pollOnce(options: { force?: boolean } = {}): Promise<PollOutcome> {
      const previous = await state.readSnapshot();
      if (previous) metrics.lastSuccess.set(previous.checkedAt / 1000);
      if (!options.force) {
        const turn = await redis.set(lockKey, token, 'PX', Math.max(50, Math.floor(gocd.interval * 0.9)), 'NX');
        if (turn !== 'OK') return 'skipped';
      }
      const result = await fetchPipelineGroups(gocd, previous?.etag, lastApi);
      if (result.kind === 'error') {
        metrics.errors.inc({ reason: result.reason });
        logger.warn({ code: result.code, reason: result.reason, kept: previous ? new Date(previous.fetchedAt).toISOString() : null }, `GoCD poll failed: ${result.message}`);
        return 'failed';
      }
      lastApi = result.api;
      const at = now();
      if (result.kind === 'not-modified') {
        if (!previous) return 'failed';
        await write(previous, { ...previous, checkedAt: at });
        return 'unchanged';
      }
      // mail2alert kept its old groups on an empty answer: a GoCD user who can suddenly see no
      // group would otherwise silence every group rule.
      if (result.groups.length === 0 && previous && previous.groups.length > 0) {
        metrics.errors.inc({ reason: 'empty' });
        logger.warn({ code: 'GOCD_BAD_RESPONSE', reason: 'empty' }, 'GoCD listed no pipeline groups; keeping the last snapshot');
        return 'failed';
      }
      await write(previous, { v: 1, fetchedAt: at, checkedAt: at, source, ...(result.etag ? { etag: result.etag } : {}), groups: result.groups });
      if (!seeded) await seedFromCctray();
      return 'updated';
    },
  };
}
