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
  /** Whether a blank line ends the block (else it ends at a line that is not a field, or at the end). */
  closed: boolean;
  /** Where the body starts: after the blank line, at the first line that is not a field, or raw.length. */
  bodyStart: number;
}

const SP = 0x20;
const TAB = 0x09;
const COLON = 0x3a;

/** RFC 5322 field name (printable ASCII but colon), optional blanks (obs-optional), then a colon. */
function isFieldLine(line: Buffer): boolean {
  let i = 0;
  while (i < line.length && line[i]! > SP && line[i]! < 0x7f && line[i] !== COLON) i++;
  if (i === 0) return false;
  while (i < line.length && (line[i] === SP || line[i] === TAB)) i++;
  return line[i] === COLON;
}

/**
 * Whether a line of which only the start is known (cut where a read ended) may be part of the
 * header block: a folded continuation, or a field name not yet followed by anything but
 * blanks and a colon. False when the known part already rules a field out.
 */
export function mayContinueHeader(start: Buffer): boolean {
  if (start.length === 0 || start[0] === SP || start[0] === TAB) return true;
  let i = 0;
  while (i < start.length && start[i]! > SP && start[i]! < 0x7f && start[i] !== COLON) i++;
  if (i === 0) return false;
  while (i < start.length && (start[i] === SP || start[i] === TAB)) i++;
  return i === start.length || start[i] === COLON;
}

/**
 * The header block ends at the first blank line (the body follows it), or at the first line
 * that is neither a field nor a folded continuation (the body starts on that line, as
 * Postfix's cleanup reads it), or at the end of the message. Every reader — the route job,
 * the rules, the sender's rewrites, explain — uses this one definition, so routing sees the
 * same headers the upstream will, and a message without a blank line is not "all header".
 */
export function headerBlock(raw: Buffer): HeaderBlock {
  const lines: Buffer[] = [];
  let from = 0;
  while (from < raw.length) {
    const { end, next } = lineAt(raw, from);
    if (end === from) return { lines, closed: true, bodyStart: next };
    const line = raw.subarray(from, end === -1 ? raw.length : end);
    const folded = lines.length > 0 && (line[0] === SP || line[0] === TAB);
    if (!folded && !isFieldLine(line)) return { lines, closed: false, bodyStart: from };
    lines.push(line);
    from = next;
  }
  return { lines, closed: false, bodyStart: raw.length };
}

/** Byte offset where the body starts (see headerBlock). */
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
