import { mailboxKey } from '@mailsort/core';

function domainOf(key: string): string {
  return key.slice(key.lastIndexOf('@'));
}

/**
 * Whether an authenticated user may use `sender` as envelope sender. Patterns are exact
 * addresses, `@domain` (that domain only, not its subdomains) or `*`, compared in the
 * canonical form (case-folded, IDN domains as A-labels) the sender was parsed into.
 * The null sender `<>` ('') is allowed only by `*`.
 */
export function senderAllowed(patterns: readonly string[], sender: string): boolean {
  if (patterns.includes('*')) return true;
  if (sender === '') return false;
  const address = mailboxKey(sender);
  return patterns.some((pattern) => (pattern.startsWith('@') ? domainOf(mailboxKey(`x${pattern}`)) === domainOf(address) : mailboxKey(pattern) === address));
}
