import type { HeaderRewrites } from '../queues/payloads.js';
import { headerBytes, safeHeaderValue } from './header-text.js';
import { bodyOffset, headerBlock, LINE_END, mayContinueHeader, normaliseHeaderBlock } from './line-ends.js';

export { headerBytes, safeHeaderValue, bodyOffset, headerBlock, mayContinueHeader, normaliseHeaderBlock };

/** The header section including the blank line that ends it, as latin1 (byte for byte). */
export function headerSection(raw: Buffer): string {
  return raw.subarray(0, bodyOffset(raw)).toString('latin1');
}

// A line with its line end (the one rule of line-ends.ts), or a last line without one.
const HEADER_LINE = new RegExp(`[^\\r\\n]*(?:${LINE_END.source})|[^\\r\\n]+$`, 'g');

/** Splits a header section into whole (possibly folded) header fields, each with its line ending. */
export function splitHeaderFields(section: string): string[] {
  const fields: string[] = [];
  for (const line of section.match(HEADER_LINE) ?? []) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && fields.length > 0) fields[fields.length - 1] += line;
    else fields.push(line);
  }
  return fields;
}

export function fieldName(field: string): string {
  const colon = field.indexOf(':');
  return (colon === -1 ? field : field.slice(0, colon)).trim().toLowerCase();
}

/** The first field called `name` (any case), unfolded and trimmed, as latin1; undefined when there is none. */
export function firstHeaderValue(raw: Buffer, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const field = splitHeaderFields(headerSection(raw)).find((candidate) => fieldName(candidate) === wanted);
  if (field === undefined) return undefined;
  return field
    .slice(field.indexOf(':') + 1)
    .replace(/\r\n|\r|\n/g, '')
    .trim();
}

const HEADER_NAME = /^[!-9;-~]+$/;

/**
 * Applies the router's rewrites: every field named in `set` or `remove` is taken out, and
 * the `set` fields are added at the end of the header section (as mail2alert did). The body
 * is untouched, byte for byte.
 */
export function applyHeaderRewrites(original: Buffer, rewrites: HeaderRewrites | undefined): Buffer {
  if (!rewrites || (Object.keys(rewrites.set).length === 0 && rewrites.remove.length === 0)) return original;
  // Ingest stores CRLF headers; a message stored before that rule gets the same lines here.
  const raw = normaliseHeaderBlock(original);
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
  if (lastKept !== undefined && !lastKept.endsWith('\n')) kept[kept.length - 1] = `${lastKept}\r\n`;
  const newHead = Buffer.concat([Buffer.from(kept.join(''), 'latin1'), headerBytes(added.join('')), Buffer.from(separator || '\r\n', 'latin1')]);
  return Buffer.concat([newHead, raw.subarray(offset)]);
}
