import type { HeaderRewrites } from '../queues/payloads.js';

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const TAB = 0x09;
const COLON = 0x3a;

/** RFC 5322 field name (printable ASCII but colon), optional blanks (obs-optional), then a colon. */
function isFieldLine(raw: Buffer, start: number, end: number): boolean {
  let i = start;
  while (i < end && raw[i]! > SP && raw[i]! < 0x7f && raw[i] !== COLON) i++;
  if (i === start) return false;
  while (i < end && (raw[i] === SP || raw[i] === TAB)) i++;
  return raw[i] === COLON;
}

/**
 * Byte offset where the body starts. The header section ends at the first blank line (the
 * body follows it), or at the first line that is neither a header field nor a folded
 * continuation (the body starts on that line, as Postfix's cleanup reads it), or at the end.
 * Every reader — the route job, the rules, the sender's rewrites, explain — uses this one
 * definition, so routing sees the same headers the upstream will.
 */
export function bodyOffset(raw: Buffer): number {
  let start = 0;
  while (start < raw.length) {
    const lf = raw.indexOf(LF, start);
    const end = lf === -1 ? raw.length : lf;
    const lineEnd = end > start && raw[end - 1] === CR ? end - 1 : end;
    if (lineEnd === start) return lf === -1 ? raw.length : lf + 1;
    const folded = start > 0 && (raw[start] === SP || raw[start] === TAB);
    if (!folded && !isFieldLine(raw, start, lineEnd)) return start;
    if (lf === -1) return raw.length;
    start = lf + 1;
  }
  return raw.length;
}

/** The header section including the blank line that ends it, as latin1 (byte for byte). */
export function headerSection(raw: Buffer): string {
  return raw.subarray(0, bodyOffset(raw)).toString('latin1');
}

/** Splits a header section into whole (possibly folded) header fields, each with its line ending. */
export function splitHeaderFields(section: string): string[] {
  const fields: string[] = [];
  for (const line of section.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && fields.length > 0) fields[fields.length - 1] += line;
    else fields.push(line);
  }
  return fields;
}

export function fieldName(field: string): string {
  const colon = field.indexOf(':');
  return (colon === -1 ? field : field.slice(0, colon)).trim().toLowerCase();
}

/** No CR, LF or NUL can reach a header we write: that is how header injection is refused. */
export function safeHeaderValue(value: string): string {
  return value.replace(/[\r\n\0]+/g, ' ').trim();
}

const HEADER_NAME = /^[!-9;-~]+$/;

/**
 * Applies the router's rewrites: every field named in `set` or `remove` is taken out, and
 * the `set` fields are added at the end of the header section (as mail2alert did). The body
 * is untouched, byte for byte.
 */
export function applyHeaderRewrites(raw: Buffer, rewrites: HeaderRewrites | undefined): Buffer {
  if (!rewrites || (Object.keys(rewrites.set).length === 0 && rewrites.remove.length === 0)) return raw;
  const offset = bodyOffset(raw);
  const head = raw.subarray(0, offset).toString('latin1');
  const separator = /\r?\n\r?\n$/.test(head) ? head.match(/\r?\n$/)![0] : '';
  const section = separator ? head.slice(0, -separator.length) : head;
  const drop = new Set([...Object.keys(rewrites.set), ...rewrites.remove].map((name) => name.toLowerCase()));
  const kept = splitHeaderFields(section).filter((field) => !drop.has(fieldName(field)));
  const added = Object.entries(rewrites.set).map(([name, value]) => {
    if (!HEADER_NAME.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
    return `${name}: ${safeHeaderValue(value)}\r\n`;
  });
  const lastKept = kept.at(-1);
  if (lastKept !== undefined && !lastKept.endsWith('\n')) kept[kept.length - 1] = lastKept + '\r\n';
  const newHead = Buffer.from(kept.join('') + Buffer.from(added.join(''), 'utf8').toString('latin1') + (separator || '\r\n'), 'latin1');
  return Buffer.concat([newHead, raw.subarray(offset)]);
}
