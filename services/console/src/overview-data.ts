import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { consoleKeys, createGocdState, rateWindow, type RateMinute } from '@mailsort/core';

/**
 * The queue states the overview counts. Not `prioritized` (mailsort adds no prioritized job) nor
 * `completed` (a finished job is removed at once; delivered counts are the rates'): both always 0.
 */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
/** A breaker reading older than this is from a sender that stopped. */
const BREAKER_FRESH_MS = 60_000;

export interface QueueDepth {
  queue: string;
  counts: Record<string, number>;
  /** Age of the oldest waiting or delayed job (ms), null when none. */
  oldestMs: number | null;
  paused: boolean;
}

export interface Overview {
  at: number;
  queues: QueueDepth[];
  minutes: RateMinute[];
  totals: Record<string, number>;
  breakers: Array<{ upstream: string; open: boolean; senders: number }>;
  gocd: { checkedAt: number; ageMs: number; source: string; groups: number } | null;
  indexed: number;
}

async function depth(queue: Queue, now: number): Promise<QueueDepth> {
  const [counts, [oldest], paused] = await Promise.all([queue.getJobCounts(...QUEUE_STATES), queue.getJobs(['waiting', 'delayed'], 0, 0, true), queue.isPaused()]);
  return { queue: queue.name, counts, oldestMs: oldest ? Math.max(0, now - oldest.timestamp) : null, paused };
}

/** What the overview shows, read from BullMQ's counts, the rate samples, the breakers and gocd-sync's snapshot. */
export async function readOverview(redis: Redis, prefix: string, queues: Queue[], indexed: () => Promise<number>, now = Date.now()): Promise<Overview> {
  const keys = consoleKeys(prefix);
  const firstMinute = Math.floor(now / 60_000) - 59;
  const pipeline = redis.pipeline();
  for (let minute = firstMinute; minute < firstMinute + 60; minute++) pipeline.hgetall(keys.rateMinute(minute));
  const [depths, replies, breakerHash, snapshot, count] = await Promise.all([
    Promise.all(queues.map((queue) => depth(queue, now))),
    pipeline.exec(),
    redis.hgetall(keys.breakers()),
    createGocdState(redis, prefix).readSnapshot(),
    indexed(),
  ]);
  const minutes = rateWindow(
    (replies ?? []).map(([, hash]) => (hash as Record<string, string>) ?? null),
    firstMinute,
  );
  const totals: Record<string, number> = {};
  for (const { counts } of minutes) for (const [series, value] of Object.entries(counts)) totals[series] = (totals[series] ?? 0) + value;
  const byUpstream = new Map<string, { open: boolean; senders: number }>();
  for (const [field, value] of Object.entries(breakerHash)) {
    const upstream = field.slice(0, field.lastIndexOf('|'));
    const reading = JSON.parse(value) as { open: boolean; at: number };
    if (now - reading.at > BREAKER_FRESH_MS) continue;
    const entry = byUpstream.get(upstream) ?? { open: false, senders: 0 };
    byUpstream.set(upstream, { open: entry.open || reading.open, senders: entry.senders + 1 });
  }
  return {
    at: now,
    queues: depths,
    minutes,
    totals,
    breakers: [...byUpstream].map(([upstream, state]) => ({ upstream, ...state })).sort((a, b) => a.upstream.localeCompare(b.upstream)),
    gocd: snapshot ? { checkedAt: snapshot.checkedAt, ageMs: Math.max(0, now - snapshot.checkedAt), source: snapshot.source, groups: snapshot.groups.length } : null,
    indexed: count,
  };
}
