import { randomFillSync } from 'node:crypto';

// Crockford base32 without I, L, O, U: ids are read aloud and typed into the CLI.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

// Random bytes are drawn from a pool: one randomFillSync per 409 ids, not one per id.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomChars(count: number): string {
  if (poolOffset + count > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  let out = '';
  for (let i = 0; i < count; i++) out += ALPHABET[pool[poolOffset++]! & 31];
  return out;
}

function timeChars(ms: number): string {
  let out = '';
  for (let i = 0; i < 9; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

/**
 * A queue id like Postfix's: sortable by accept time (9 chars of milliseconds), then 10
 * random chars (50 bits). It starts with M, never contains ':' and is never all digits, so
 * BullMQ accepts it as a job id as it is. A message of shard s > 0 (redis.shards) carries
 * `-s<s>` at the end: its keys and queues are found from the id (store/keyspace.ts).
 */
export function newMessageId(now: number = Date.now(), shard = 0): string {
  const id = `M${timeChars(now)}${randomChars(10)}`;
  return shard > 0 ? `${id}-s${shard}` : id;
}

const MESSAGE_ID_PATTERN = /^M[0-9A-HJKMNP-TV-Z]{19}(?:-s[1-9][0-9]*)?$/;

export function isMessageId(value: string): boolean {
  return MESSAGE_ID_PATTERN.test(value);
}

/** The accept time encoded in a message id, in epoch milliseconds. */
export function messageIdTime(id: string): number {
  let value = 0;
  for (const ch of id.slice(1, 10)) value = value * 32 + ALPHABET.indexOf(ch);
  return value;
}
