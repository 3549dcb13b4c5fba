import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';

export type MailboxParse = { ok: true; address: string } | { ok: false; reason: string };

// RFC 5321 Atom (atext), widened by RFC 6531 to non-ASCII characters — but never the
// invisible ones that make an address look like another: bidi marks, embeddings, overrides
// and isolates, zero-width characters, line and paragraph separators, the BOM.
const INVISIBLE = /[\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u;
const ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u00a0-\uffff]+$/u;
const QTEXT = /^[\x20\x21\x23-\x5b\x5d-\x7e\u00a0-\uffff]$/u;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_PATH = 254;

const fail = (reason: string): MailboxParse => ({ ok: false, reason });

function isDotString(text: string): boolean {
  return text.split('.').every((atom) => ATOM.test(atom));
}

/** The content of a quoted local part, unescaped; undefined when it is not one quoted-string. */
function unquote(text: string): string | undefined {
  if (text.length < 2 || !text.startsWith('"') || !text.endsWith('"')) return undefined;
  let content = '';
  for (let i = 1; i < text.length - 1; i++) {
    const char = text[i]!;
    if (char === '\\') {
      const next = text[++i];
      if (next === undefined || i === text.length - 1 || !/^[\x20-\x7e]$/.test(next)) return undefined;
      content += next;
    } else if (QTEXT.test(char)) content += char;
    else return undefined;
  }
  return content;
}

/**
 * A local part in one spelling: a dot-string as written; a quoted-string unquoted when its
 * content is a dot-string (RFC 5321 §4.1.2 asks senders not to quote needlessly), else quoted
 * with only `"` and `\` escaped.
 */
function canonicalLocalPart(local: string): string | undefined {
  if (isDotString(local)) return local;
  const content = unquote(local);
  if (content === undefined) return undefined;
  // A quoted local part that holds an address is how relays were tricked into relaying.
  if (content.includes('@')) return undefined;
  return isDotString(content) ? content : `"${content.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

function canonicalDomain(domain: string): string | undefined {
  if (domain.startsWith('[') && domain.endsWith(']')) {
    const literal = domain.slice(1, -1);
    if (isIPv4(literal)) return domain;
    const v6 = /^IPv6:(.+)$/i.exec(literal)?.[1];
    if (v6 && isIPv6(v6)) return `[IPv6:${new URL(`http://[${v6}]`).hostname.slice(1, -1)}]`;
    return undefined;
  }
  // domainToASCII lower-cases, maps U-labels to A-labels and returns '' for what it cannot map.
  const ascii = /^[^\s/\\?#@:%[\]]+$/u.test(domain) ? domainToASCII(domain) : '';
  if (!ascii || ascii.length > 253 || !ascii.split('.').every((label) => LABEL.test(label))) return undefined;
  return ascii;
}

/** The `@` that separates the domain: the last one outside a quoted local part. */
function splitAt(text: string): [string, string] | undefined {
  const at = text.lastIndexOf('@');
  return at <= 0 ? undefined : [text.slice(0, at), text.slice(at + 1)];
}

/**
 * Parses one RFC 5321 Mailbox (dot-string or quoted-string local part, domain or address
 * literal) into the single spelling mailsort checks, stores, compares and sends: domain in
 * lower-case A-labels, IPv6 literals compressed, quoting only where needed. No comments,
 * display names, commas outside quotes, blanks or second addresses.
 */
export function parseMailbox(text: string): MailboxParse {
  if (text.length === 0) return fail('the address is empty');
  if (/[\x00-\x1f\x7f]/.test(text)) return fail('the address contains a control character');
  if (INVISIBLE.test(text)) return fail('the address contains an invisible or direction-changing character');
  const parts = splitAt(text);
  if (!parts) return fail('the address has no local part and domain');
  const local = canonicalLocalPart(parts[0]);
  if (local === undefined) return fail('the local part is neither a dot-string nor a quoted-string');
  const domain = canonicalDomain(parts[1]);
  if (domain === undefined) return fail('the domain is neither a domain name nor an address literal');
  const address = `${local}@${domain}`;
  if (Buffer.byteLength(address) > MAX_PATH) return fail('the address is too long');
  return { ok: true, address };
}

// Only ASCII letters fold: JavaScript's toLowerCase also maps look-alikes (KELVIN SIGN U+212A
// → k, U+0130 → i̇), which would let `\u212aeys@` pass as `keys@`.
const foldAscii = (text: string) => text.replace(/[A-Z]/g, (char) => char.toLowerCase());

/**
 * The one comparison key for envelope addresses: the canonical mailbox, ASCII case-folded
 * (local parts are case-sensitive on paper, but no relay or mail store treats them so). An
 * address that does not parse (a record written before this rule) is compared folded as written.
 */
export function mailboxKey(address: string): string {
  const parsed = parseMailbox(address);
  return foldAscii(parsed.ok ? parsed.address : address.trim());
}

/** The addresses in order, each once by mailboxKey (the first spelling wins). */
export function uniqueMailboxes(addresses: readonly string[]): string[] {
  const seen = new Set<string>();
  return addresses.filter((address) => {
    const key = mailboxKey(address);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
