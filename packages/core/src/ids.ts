import { randomBytes } from 'node:crypto';

// Crockford base32 without I, L, O, U: ids are read aloud and typed into the CLI.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function base32(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

/**
 * A queue id like Postfix's: sortable by accept time (10 chars of milliseconds), then 10
 * random chars. It always starts with a letter-or-digit mix, never contains ':' and is never
 * all digits, so BullMQ accepts it as a job id as it is.
 */
export function newMessageId(now: number = Date.now()): string {
  const random = BigInt('0x' + randomBytes(7).toString('hex'));
  return 'M' + base32(BigInt(now), 9) + base32(random, 10);
}

const MESSAGE_ID_PATTERN = /^M[0-9A-HJKMNP-TV-Z]{19}$/;

export function isMessageId(value: string): boolean {
  return MESSAGE_ID_PATTERN.test(value);
}

/** The accept time encoded in a message id, in epoch milliseconds. */
export function messageIdTime(id: string): number {
  let value = 0;
  for (const ch of id.slice(1, 10)) value = value * 32 + ALPHABET.indexOf(ch);
  return value;
}
