import { MailsortError, type Config, type Logger, type RedisFactory } from '@mailsort/core';
import type { ConnectionGeneration } from './connection-generation.js';

type Connection = ReturnType<RedisFactory['connect']>;

/** A route job as `queue.add` returns it: all the release needs. */
export interface HeldJob {
  id?: string | undefined;
  promote(): Promise<void>;
}

export type ReplicaVerdict = 'replicated' | 'too_few' | 'reconnected';

/**
 * What one WAIT reply means for a write: it counts replicas that have the writes of the
 * connection it came back on, so a reply on a later generation than the write's (a reconnect,
 * perhaps to a new master that never had the write) says nothing about that write.
 */
export function replicaVerdict({ wanted, acked, wroteOn, repliedOn }: { wanted: number; acked: number; wroteOn: number; repliedOn: number }): ReplicaVerdict {
  if (repliedOn !== wroteOn) return 'reconnected';
  return acked >= wanted ? 'replicated' : 'too_few';
}

export interface ReplicaAck {
  /** With a WAIT, the route job is held (delayed) until ingest has answered: see holdMs. */
  holds: boolean;
  /** Resolves once `min_replicas_acked` replicas have every write the connection made before the call. */
  confirm(wroteOn: number): Promise<void>;
  /** After `confirm`: routing starts now, not when the hold ends. A lost promote only makes the message late. */
  release(job: HeldJob): void;
}

interface Waiter {
  wroteOn: number;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * With `redis.min_replicas_acked: N`, the step between "the master has it" and 250. WAIT
 * blocks the connection it runs on, so the accepts share it (group commit): those whose writes
 * are done when a WAIT goes out wait on that one; one arriving while it is out waits on the
 * next, sent when it returns. With replicas away an accept waits about 2 × replica_ack_timeout
 * at most, instead of behind every other one's timeout.
 */
export function replicaAck(acceptor: Connection, generation: ConnectionGeneration, redis: Config['redis'], logger: Logger): ReplicaAck {
  const { min_replicas_acked: wanted, replica_ack_timeout: timeoutMs } = redis;
  if (wanted === 0) return { holds: false, confirm: () => Promise.resolve(), release: () => undefined };
  let next: Waiter[] = [];
  let out: Waiter[] | undefined;

  const settle = (batch: Waiter[], acked: number) => {
    const repliedOn = generation.current();
    for (const waiter of batch) {
      const verdict = replicaVerdict({ wanted, acked, wroteOn: waiter.wroteOn, repliedOn });
      if (verdict === 'replicated') waiter.resolve();
      else if (verdict === 'too_few')
        waiter.reject(new MailsortError('REPLICA_ACK_TIMEOUT', `${acked} of the ${wanted} replicas redis.min_replicas_acked asks for confirmed the message within ${timeoutMs} ms`));
      else waiter.reject(new MailsortError('REDIS_UNAVAILABLE', 'the connection to Redis dropped between the write and the WAIT reply: the replicas it counted may not have the write'));
    }
  };
  const send = () => {
    const batch = next;
    next = [];
    out = batch;
    acceptor
      .call('WAIT', wanted, timeoutMs)
      .then(
        (acked) => settle(batch, Number(acked)),
        (error: unknown) => {
          for (const waiter of batch) waiter.reject(error);
        },
      )
      .finally(() => {
        // A batch failed by a drop is no longer the one out (its WAIT may never settle).
        if (out !== batch) return;
        out = undefined;
        if (next.length > 0) send();
      });
  };
  // ioredis drops, unsettled, a command in flight when the connection closes (no re-send):
  // everyone waiting wrote before the drop, so none of them can be confirmed any more.
  generation.onDrop(() => {
    const lost = [...(out ?? []), ...next];
    out = undefined;
    next = [];
    for (const waiter of lost) waiter.reject(new MailsortError('REDIS_UNAVAILABLE', 'the connection to Redis dropped before the replicas confirmed the write'));
  });

  return {
    holds: true,
    confirm(wroteOn) {
      return new Promise<void>((resolve, reject) => {
        next.push({ wroteOn, resolve, reject });
        if (!out) send();
      });
    },
    release(job) {
      job
        .promote()
        .catch((error: unknown) =>
          logger.warn({ code: 'ROUTE_PROMOTE_FAILED', job: job.id, err: error }, 'a confirmed message could not be released for routing now; it is routed when its hold ends'),
        );
    },
  };
}

/**
 * How long a held route job waits when nobody releases it: longer than any accept can take
 * (storeWithin gives up at store_timeout), so it cannot run before ingest answered, with the
 * WAIT's timeout on top for a reply that comes late.
 */
export function holdMs(storeTimeoutMs: number, { replica_ack_timeout: timeoutMs }: Config['redis']): number {
  return storeTimeoutMs + timeoutMs;
}

/** `connected_slaves` of INFO replication; undefined when the reply has none. */
export function connectedReplicas(info: string): number | undefined {
  const match = /^connected_slaves:(\d+)\r?$/m.exec(info);
  return match ? Number(match[1]) : undefined;
}

/** At start: with fewer replicas than `min_replicas_acked`, every accept would answer 451. */
export async function warnIfTooFewReplicas(connection: Connection, { min_replicas_acked: wanted }: Config['redis'], logger: Logger): Promise<void> {
  if (wanted === 0) return;
  const replicas = connectedReplicas(await connection.info('replication').catch(() => ''));
  if (replicas !== undefined && replicas < wanted) {
    logger.warn(
      { code: 'REPLICAS_TOO_FEW', replicas, min_replicas_acked: wanted },
      `the Redis master has ${replicas} connected replicas, fewer than redis.min_replicas_acked (${wanted}): messages are answered 451 until enough replicas connect`,
    );
  }
}
