/** Polls a condition every `everyMs` until it holds; the error names what never happened. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string | (() => string), everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`after ${timeoutMs} ms: ${typeof what === 'string' ? `no ${what}` : what()}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
