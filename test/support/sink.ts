import { createDevSink, type SunkMessage } from '@mailsort/cli';

/** A local SMTP sink on a free port (the dev sink), with a way to wait for N messages. */
export async function startSink() {
  const sink = createDevSink();
  const { smtpPort } = await sink.listen(0, 0);
  return {
    port: smtpPort,
    messages: sink.messages,
    async waitForMessages(count: number, timeoutMs = 15_000): Promise<SunkMessage[]> {
      const deadline = Date.now() + timeoutMs;
      while (sink.messages.length < count) {
        if (Date.now() > deadline) throw new Error(`sink has ${sink.messages.length} of ${count} messages after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return sink.messages.slice();
    },
    close: () => sink.close(),
  };
}
