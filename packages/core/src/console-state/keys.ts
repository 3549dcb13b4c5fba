/**
 * The Redis keys of what the console reads besides the queues and the message state: rate
 * samples every process writes, the message index the router writes, the console's own
 * sessions and audit log. Kept apart from store/keys.ts: none of them is a message's state.
 */
export function consoleKeys(prefix: string) {
  return {
    /** Per-minute hash of counter increments (`accepted`, `delivered`, `dropped`, `dead`), written by each process every few seconds. */
    rateMinute: (minute: number) => `${prefix}:console:rates:${minute}`,
    /** Upstream breaker state as each sender process last saw it (field `upstream|instance`, JSON {open, at}). */
    breakers: () => `${prefix}:console:breakers`,
    /** Sorted set of routed messages by accept time; members are small JSON summaries for search. */
    messageIndex: () => `${prefix}:console:messages`,
    /** A console login (by the SHA-256 of its cookie, never the cookie itself). */
    session: (hash: string) => `${prefix}:console:session:${hash}`,
    /** The newest audit entries first (JSON), trimmed to console.audit_keep. */
    audit: () => `${prefix}:console:audit`,
  };
}
