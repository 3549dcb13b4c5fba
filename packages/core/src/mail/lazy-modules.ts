import { createRequire } from 'node:module';
import type Libmime from 'libmime';
import type * as Mailparser from 'mailparser';

const require = createRequire(import.meta.url);

/** A module loaded on its first use and kept: a process that never needs it never holds it. */
function onFirstUse<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(specifier) as T;
    return loaded;
  };
}

// Both are among the largest modules a process loads (docs/performance.md, "Memory"). Only the
// router needs libmime for every mail; ingest and the sender call it for a non-ASCII header value
// or a dead-letter notice, if ever. mailparser (and html-to-text) serve body rules, explain and
// webhooks.
export const libmime = onFirstUse<typeof Libmime>('libmime');
export const mailparser = onFirstUse<typeof Mailparser>('mailparser');
const htmlToText = onFirstUse<{ htmlToText(html: string): string }>('html-to-text');

/**
 * A parsed mail's plain text: its text part, or else its HTML as text. mailparser converts HTML
 * only when it is the whole message or sits beside a text part, so an HTML-only multipart (an
 * alert with its log attached, an HTML-only multipart/alternative) came back with no text at all.
 */
export function plainText(parsed: Pick<Mailparser.ParsedMail, 'text' | 'html'>): string {
  if (parsed.text) return parsed.text;
  return parsed.html ? htmlToText().htmlToText(parsed.html) : '';
}
