import { libmime } from './lazy-modules.js';

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * The one way a value mailsort writes into a header is made safe: control characters (CR,
 * LF, NUL, TAB, DEL, C1) become a blank, and anything outside printable ASCII is written as
 * RFC 2047 encoded words. The result is printable ASCII only, so no later byte conversion
 * (a single-byte charset keeping the low byte of U+4E0D is a CR) can turn it into a line end.
 */
export function safeHeaderValue(value: string): string {
  const flat = value
    .replace(/[\x00-\x1f\x7f-\x9f]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
  if (PRINTABLE_ASCII.test(flat)) return flat;
  const encoded = libmime().encodeWords(flat, 'Q', 52);
  // encodeWords leaves a lone surrogate's replacement or odd input alone only if it is ASCII;
  // anything else left over is dropped rather than trusted.
  return encoded.replace(/[^\x20-\x7e]/g, '?');
}

/** Header lines mailsort wrote, as bytes; refuses (throws) anything but printable ASCII, TAB and CRLF. */
export function headerBytes(text: string): Buffer {
  if (!/^(?:[\x20-\x7e\t]*\r\n)*$/.test(text)) throw new TypeError(`refusing to write a header that is not printable ASCII lines: ${JSON.stringify(text)}`);
  return Buffer.from(text, 'ascii');
}
