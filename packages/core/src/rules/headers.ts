import { libmime } from '../mail/lazy-modules.js';
import addressparser from 'nodemailer/lib/addressparser';
import { fieldName, headerSection, splitHeaderFields } from '../mail/header-block.js';
import { LINE_END } from '../mail/line-ends.js';
import type { HeaderField } from './types.js';

// Unfolding follows the same line-end rule as splitting: CRLF, bare CR or bare LF.
const FOLD = new RegExp(`(?:${LINE_END.source})(?=[ \\t])`, 'g');
const TRAILING_LINE_END = new RegExp(`(?:${LINE_END.source})$`);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Header bytes arrive as latin1 text; raw UTF-8 (SMTPUTF8) is read as UTF-8, anything else stays latin1. */
function asText(section: string): string {
  try {
    return utf8.decode(Buffer.from(section, 'latin1'));
  } catch {
    return section;
  }
}

/** Runs of whitespace count as one blank; the ends are trimmed. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function decodeWords(value: string): string {
  // Loaded outside the try: a module that cannot load is a broken install, not a broken word.
  const mime = libmime();
  try {
    return mime.decodeWords(value);
  } catch {
    // A broken encoded word is shown as written rather than failing the message.
    return value;
  }
}

/** Every field of a header section, unfolded, RFC 2047-decoded and whitespace-collapsed. */
export function parseHeaderSection(section: string): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const field of splitHeaderFields(asText(section))) {
    const colon = field.indexOf(':');
    if (colon <= 0) continue;
    const name = fieldName(field);
    const unfolded = field
      .slice(colon + 1)
      .replace(FOLD, '')
      .replace(TRAILING_LINE_END, '');
    fields.push({ name, value: collapseWhitespace(decodeWords(unfolded)) });
  }
  return fields;
}

export function headerValues(fields: readonly HeaderField[], name: string): string[] {
  const wanted = name.toLowerCase();
  return fields.filter((field) => field.name === wanted).map((field) => field.value);
}

/** A message's Subject, decoded and collapsed; '' when it has none. */
export function subjectOf(raw: Buffer): string {
  return headerValues(parseHeaderSection(headerSection(raw)), 'subject')[0] ?? '';
}

/** The bare addresses in an address header value (`Name <a@b>, c@d` → [a@b, c@d]). */
export function addressesIn(value: string): string[] {
  return addressparser(value, { flatten: true })
    .map((entry) => entry.address)
    .filter((address) => address !== '');
}
