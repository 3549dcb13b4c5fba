import { MailsortError } from '@mailsort/core';

/**
 * Waits for `write` at most `timeoutMs`. When it takes longer, or fails, nobody can say
 * whether Redis ran it, so `withdraw` runs — once right away (queued behind the write on the
 * same connection, Redis runs it after the write if it runs the write at all) and once more
 * when the write settles — and the caller answers 4xx. What stays is a message that is
 * never delivered, never one delivered after the client was told to send it again.
 */
export async function storeWithin(write: Promise<unknown>, timeoutMs: number, withdraw: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([write.then(() => 'stored' as const), late]);
    if (outcome === 'stored') return;
  } catch (error) {
    // Not awaited: with Redis away the withdrawal may wait for a connection, and the client
    // must hear its 4xx now.
    void withdraw();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  void withdraw();
  write.then(withdraw, withdraw);
  throw new MailsortError('STORE_TIMEOUT', `Redis did not confirm the write within ${timeoutMs} ms`);
}
