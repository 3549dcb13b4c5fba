import type { Redis } from 'ioredis';

/**
 * The accept transition: a message given whole or as its parts in order, stored as SET +
 * APPENDs in one MULTI, so a large message is never joined in memory (ioredis copies each
 * command's arguments into its write buffer, and a joined copy would be a third one; a
 * script would copy every part once more inside Redis). Its state check is the new id:
 * ingest and the notifier store under an id nobody has used (newMessageId).
 */
export async function acceptMulti(redis: Redis, key: string, raw: Buffer | readonly Buffer[], ttlMs: number): Promise<void> {
  const parts = Buffer.isBuffer(raw) ? [raw] : raw;
  if (parts.length <= 1) {
    await redis.set(key, parts[0] ?? Buffer.alloc(0), 'PX', ttlMs);
    return;
  }
  const multi = redis.multi().set(key, parts[0]!, 'PX', ttlMs);
  for (const part of parts.slice(1)) multi.append(key, part);
  const replies = await multi.exec();
  const failed = replies?.find(([error]) => error);
  if (!replies || failed) throw failed?.[0] ?? new Error('MULTI was discarded');
}
