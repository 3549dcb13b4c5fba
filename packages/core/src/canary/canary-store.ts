import type { KeyPrefix } from '../store/keyspace.js';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { splitHeaderFields, fieldName } from '../mail/header-block.js';
import { storeKeys } from '../store/keys.js';

/** The header that names a probe. Its value is only a random id: a mail is a canary only while Redis holds that id. */
export const CANARY_HEADER = 'X-Mailsort-Canary';

const PROBE_ID = /^[0-9a-f]{32}$/;

export const canaryProbeSchema = z.object({
  v: z.literal(1),
  /** Envelope sender and recipient of the probe, and the upstream it is sent to. */
  from: z.string(),
  to: z.string(),
  upstream: z.string(),
  sentAt: z.number(),
});

export type CanaryProbe = z.infer<typeof canaryProbeSchema> & { id: string };

export const canaryResultSchema = z.object({
  result: z.enum(['delivered', 'failed']),
  /** The 250 (or the failure) as the upstream said it, and when. */
  reply: z.string(),
  at: z.number(),
  acceptedAt: z.number(),
});

export type CanaryResult = z.infer<typeof canaryResultSchema>;

export const canaryLastSchema = z.object({
  success: z.boolean(),
  at: z.number(),
  upstream: z.string(),
  lastSuccessAt: z.number().optional(),
});

export type CanaryLast = z.infer<typeof canaryLastSchema>;

/** The probe id a header section names, if it carries exactly one well-formed canary header. */
export function canaryProbeId(headers: string): string | undefined {
  const wanted = CANARY_HEADER.toLowerCase();
  const values = splitHeaderFields(headers)
    .filter((field) => fieldName(field) === wanted)
    .map((field) => field.slice(field.indexOf(':') + 1).trim());
  return values.length === 1 && PROBE_ID.test(values[0]!) ? values[0] : undefined;
}

/** The canary's state in Redis: probes in flight, their results, the lock and the last result. */
export function createCanaryStore(redis: Redis, prefix: KeyPrefix) {
  const keys = storeKeys(prefix);
  return {
    async register(probe: CanaryProbe, ttlMs: number): Promise<void> {
      const { id, ...record } = probe;
      await redis.set(keys.canaryProbe(id), JSON.stringify(record), 'PX', ttlMs);
    },
    /**
     * The probe a message is, or undefined: it must name a probe Redis holds, sent from and to
     * the probe's envelope. An outside sender cannot make one (the id is random and lives
     * only as long as its probe), so a look-alike routes as any other mail.
     */
    async find(headers: string, envelope: { from: string; to: readonly string[] }): Promise<CanaryProbe | undefined> {
      const id = canaryProbeId(headers);
      if (id === undefined) return undefined;
      const stored = await redis.get(keys.canaryProbe(id));
      if (stored === null) return undefined;
      const parsed = canaryProbeSchema.safeParse(JSON.parse(stored));
      if (!parsed.success) return undefined;
      const probe = parsed.data;
      const matches = envelope.from === probe.from && envelope.to.length === 1 && envelope.to[0] === probe.to;
      return matches ? { id, ...probe } : undefined;
    },
    /**
     * The sender's word on the probe's delivery, for the replica waiting on it (if it still
     * waits). The probe is over: a copy of its mail sent later is an ordinary mail.
     */
    async complete(id: string, result: CanaryResult, ttlMs: number): Promise<void> {
      await redis.multi().rpush(keys.canaryDone(id), JSON.stringify(result)).pexpire(keys.canaryDone(id), ttlMs).del(keys.canaryProbe(id)).exec();
    },
    /** Waits up to `timeoutMs` for the probe's result, on a connection of its own (BLPOP blocks it). */
    async wait(blocking: Redis, id: string, timeoutMs: number): Promise<CanaryResult | undefined> {
      const popped = await blocking.blpop(keys.canaryDone(id), Math.max(0.01, timeoutMs / 1000).toFixed(3));
      return popped ? canaryResultSchema.parse(JSON.parse(popped[1])) : undefined;
    },
    /** This interval's turn to probe, for one replica. */
    async takeTurn(token: string, ttlMs: number): Promise<boolean> {
      return (await redis.set(keys.canaryLock(), token, 'PX', ttlMs, 'NX')) === 'OK';
    },
    async writeLast(last: CanaryLast): Promise<void> {
      await redis.set(keys.canaryLast(), JSON.stringify(last));
    },
    async readLast(): Promise<CanaryLast | undefined> {
      const stored = await redis.get(keys.canaryLast());
      const parsed = stored === null ? undefined : canaryLastSchema.safeParse(JSON.parse(stored));
      return parsed?.success ? parsed.data : undefined;
    },
  };
}

export type CanaryStore = ReturnType<typeof createCanaryStore>;
