/**
 * The one rule for line ends in a header block, shared by every reader and by what is sent:
 * CRLF, a bare CR and a bare LF each end a line, because the sender's SMTP client turns a
 * bare CR or LF into CRLF on the wire and the upstream then sees that many lines.
 */
export const LINE_END = /\r\n|\r|\n/;

/** Where the line starting at `from` ends (exclusive) and the next one starts; end === -1 past the last line end. */
function lineAt(raw: Buffer, from: number): { end: number; next: number } {
  for (let i = from; i < raw.length; i++) {
    if (raw[i] === 0x0a) return { end: i, next: i + 1 };
    if (raw[i] === 0x0d) return { end: i, next: raw[i + 1] === 0x0a ? i + 2 : i + 1 };
  }
  return { end: -1, next: raw.length };
}

export interface HeaderBlock {
  /** Each header line without its line end, in order (a last line without a line end included). */
  lines: Buffer[];
  /** Whether a blank line ends the block (else the message is all header). */
  closed: boolean;
  /** Where the body starts: after the blank line, or raw.length. */
  bodyStart: number;
}

export function headerBlock(raw: Buffer): HeaderBlock {
  const lines: Buffer[] = [];
  let from = 0;
  while (from < raw.length) {
    const { end, next } = lineAt(raw, from);
    if (end === from) return { lines, closed: true, bodyStart: next };
    lines.push(raw.subarray(from, end === -1 ? raw.length : end));
    from = next;
  }
  return { lines, closed: false, bodyStart: raw.length };
}

/** Byte offset where the body starts (after the blank line), or raw.length if there is none. */
export function bodyOffset(raw: Buffer): number {
  return headerBlock(raw).bodyStart;
}

const CRLF = Buffer.from('\r\n');

/**
 * The message with every line end of its header block (and the blank line ending it) written
 * as CRLF; the body is kept byte for byte. Bare LF (cron, sendmail -t) and bare CR are normalised
 * rather than refused: what the upstream would have seen is what every reader now sees.
 */
export function normaliseHeaderBlock(raw: Buffer): Buffer {
  const { lines, closed, bodyStart } = headerBlock(raw);
  const head = lines.flatMap((line) => [line, CRLF]);
  const normalised = Buffer.concat([...head, ...(closed ? [CRLF] : [])]);
  if (normalised.length === bodyStart && normalised.equals(raw.subarray(0, bodyStart))) return raw;
  return Buffer.concat([normalised, raw.subarray(bodyStart)]);
}
