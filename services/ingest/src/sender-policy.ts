/**
 * Whether an authenticated user may use `sender` as envelope sender. Patterns are exact
 * addresses (case-insensitive), `@domain` (that domain only, not its subdomains) or `*`.
 * The null sender `<>` ('') is allowed only by `*`.
 */
export function senderAllowed(patterns: readonly string[], sender: string): boolean {
  if (patterns.includes('*')) return true;
  if (sender === '') return false;
  const address = sender.toLowerCase();
  const at = address.lastIndexOf('@');
  const domain = at === -1 ? undefined : address.slice(at);
  return patterns.some((pattern) => {
    const wanted = pattern.toLowerCase();
    return wanted.startsWith('@') ? wanted === domain : wanted === address;
  });
}
