import { headerBlock, MailsortError, mayContinueHeader, normaliseHeaderBlock } from '@mailsort/core';

// Below this a message is joined into one buffer (one SET); above it, it is stored as its
// parts so that ingest never holds a joined copy beside ioredis's write buffer.
const JOIN_BELOW = 1024 * 1024;

export interface MessageParts {
  /** The message in order: Received:, the header block with CRLF line ends, the body byte for byte. */
  parts: Buffer[];
  size: number;
  /** The header section (latin1) the route job carries. */
  headers: string;
}

/**
 * Puts the stored message together from the Received: header and the DATA chunks, reading
 * only the first chunks for the header block: its line ends become CRLF (what the upstream
 * will see once the sender's client writes them), the body stays as sent. A header block
 * longer than `limit` is MESSAGE_TOO_BIG.
 */
export function messageParts(received: Buffer, chunks: Buffer[], limit: number): MessageParts {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  let read = 0;
  let taken = 0;
  while (taken < chunks.length && read <= limit) read += chunks[taken++]!.length;
  const whole = taken === chunks.length;
  let head = Buffer.concat(chunks.slice(0, taken));
  const rest = chunks.slice(taken);
  chunks.length = 0;
  // Only whole lines are judged (a line cut where the read ended could look like body), cut
  // after an LF where there is one, so that a CR LF is never split between the two sides.
  const lastLf = head.lastIndexOf(0x0a);
  const cut = whole ? head.length : (lastLf >= 0 ? lastLf : head.lastIndexOf(0x0d)) + 1;
  const { closed, bodyStart } = headerBlock(head.subarray(0, cut));
  // A block still open at the cut goes on if the line after the cut may be a field.
  const goesOn = !whole && !closed && bodyStart === cut && mayContinueHeader(head.subarray(cut));
  if (bodyStart > limit || goesOn) {
    throw new MailsortError('MESSAGE_TOO_BIG', `header section exceeds ${limit} bytes`);
  }
  const headerSection = normaliseHeaderBlock(head.subarray(0, bodyStart));
  const body = head.subarray(bodyStart);
  head = Buffer.alloc(0);
  const headers = Buffer.concat([received, headerSection]).toString('latin1');
  const parts = [received, headerSection, body, ...rest];
  const size = received.length + headerSection.length + (total - bodyStart);
  return { parts: size < JOIN_BELOW ? [Buffer.concat(parts)] : parts, size, headers };
}
