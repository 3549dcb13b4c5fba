import { createHash } from 'node:crypto';

/** 100-ns intervals between 1601-01-01 and 1970-01-01 (UTC). */
const FILETIME_UNIX_OFFSET = 116_444_736_000_000_000n;
const FILETIME_PER_MS = 10_000n;
const MAX_TIME_DELTA = 0x7fff_ffffn;

/**
 * Base64 has no whitespace, so the header cannot be folded; RFC 5322 limits a line to 998
 * octets. 100 child blocks make a 696-character value, well inside it. A thread longer than
 * that keeps its first 100 replies' blocks (Outlook still threads it by the GUID).
 */
export const MAX_THREAD_INDEX_CHILDREN = 100;

export interface ThreadIndexInput {
  /** Thread identity: hashed into the GUID and the child blocks' random nibbles. */
  threadKey: string;
  epoch: number;
  /** 0 for the root (header block only), n for the n-th follow-up. */
  index: number;
  /** ms since epoch of the root. */
  startedAt: number;
  /** ms since epoch of this notification. */
  at: number;
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function fileTime(ms: number): bigint {
  return BigInt(Math.trunc(ms)) * FILETIME_PER_MS + FILETIME_UNIX_OFFSET;
}

/** The thread's GUID: the same 16 bytes every replica derives, and the root Message-ID's hex. */
export function threadGuid(threadKey: string, epoch: number): Buffer {
  return sha256(`${threadKey}\n${epoch}`).subarray(0, 16);
}

/** Outlook's Thread-Index (MS-OXOMSG 2.2.1.3 PidTagConversationIndex), base64. */
export function threadIndex(input: ThreadIndexInput): string {
  const children = Math.min(input.index, MAX_THREAD_INDEX_CHILDREN);
  const blocks = [headerBlock(input.startedAt, threadGuid(input.threadKey, input.epoch))];
  const total = BigInt(Math.max(0, Math.trunc(input.at - input.startedAt))) * FILETIME_PER_MS;
  // Only this notification's time is known, not when the earlier follow-ups went out: block k
  // of n is given k/n of the delta (evenly spaced replies), so the last block is exact.
  for (let k = 1; k <= children; k++) {
    blocks.push(childBlock((total * BigInt(k)) / BigInt(children), randomNibble(input.threadKey, input.epoch, k), k));
  }
  return Buffer.concat(blocks).toString('base64');
}

/** 0x01, then the high 5 bytes of the big-endian FILETIME, then the GUID. */
function headerBlock(startedAt: number, guid: Buffer): Buffer {
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(fileTime(startedAt));
  return Buffer.concat([Buffer.from([0x01]), time.subarray(0, 5), guid]);
}

/** DeltaCode (1 bit), TimeDelta (31 bits), random (4 bits), sequence count (4 bits). */
function childBlock(delta: bigint, random: number, sequence: number): Buffer {
  const fine = delta >> 18n;
  const word = fine <= MAX_TIME_DELTA ? fine : 0x8000_0000n | minBigInt(delta >> 23n, MAX_TIME_DELTA);
  const block = Buffer.alloc(5);
  block.writeUInt32BE(Number(word));
  block[4] = ((random & 0xf) << 4) | (sequence & 0xf);
  return block;
}

function randomNibble(threadKey: string, epoch: number, k: number): number {
  return (sha256(`${threadKey}\n${epoch}\n${k}`)[0] ?? 0) & 0xf;
}

function minBigInt(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
