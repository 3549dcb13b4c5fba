import { SMTPServer } from 'smtp-server';

/** The header the load driver numbers its messages with; the sink counts arrivals by it. */
export const SEQ_HEADER = 'X-Fault-Seq';
const SEQ_PATTERN = /^X-Fault-Seq: (\d+)\r?$/im;

/**
 * A fast upstream that keeps no message bodies, only how often each numbered message
 * arrived, so it can take tens of thousands. `down()` refuses connections (and drops the
 * open ones) until `up()`: an upstream outage as the sender sees it.
 */
export async function startCountingSink() {
  const arrivals = new Map<number, number>();
  let total = 0;
  let unnumbered = 0;
  let port = 0;
  let server: SMTPServer | undefined;

  function create(): SMTPServer {
    return new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      closeTimeout: 50,
      onData(stream, _session, callback) {
        let head = '';
        stream.on('data', (chunk: Buffer) => {
          if (head.length < 16_384) head += chunk.toString('latin1');
        });
        stream.on('end', () => {
          total += 1;
          const match = SEQ_PATTERN.exec(head.split(/\r?\n\r?\n/, 1)[0] ?? '');
          if (match) arrivals.set(Number(match[1]), (arrivals.get(Number(match[1])) ?? 0) + 1);
          else unnumbered += 1;
          callback();
        });
      },
    });
  }

  async function up(): Promise<void> {
    server = create();
    // A SIGKILLed sender resets its connections; smtp-server reports that as an 'error' event.
    server.on('error', () => undefined);
    const listening = server;
    await new Promise<void>((resolve, reject) => {
      listening.server.once('error', reject);
      listening.listen(port, '127.0.0.1', () => resolve());
    });
    port = (listening.server.address() as { port: number }).port;
  }

  async function down(): Promise<void> {
    const closing = server;
    server = undefined;
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  }

  await up();
  return {
    port,
    arrivals,
    up,
    down,
    /** Distinct numbered messages that arrived. */
    get distinct() {
      return arrivals.size;
    },
    get total() {
      return total;
    },
    get unnumbered() {
      return unnumbered;
    },
    /** Arrivals beyond the first of each message. */
    get duplicates() {
      let extra = 0;
      for (const count of arrivals.values()) extra += count - 1;
      return extra;
    },
    /** Resolves when every one of `seqs` has arrived; rejects when arrivals stop for stallMs. */
    async waitForAll(seqs: Iterable<number>, stallMs = 45_000): Promise<void> {
      const wanted = [...seqs];
      let seen = -1;
      let since = Date.now();
      for (;;) {
        const missing = wanted.filter((seq) => !arrivals.has(seq));
        if (missing.length === 0) return;
        if (total !== seen) {
          seen = total;
          since = Date.now();
        } else if (Date.now() - since > stallMs) {
          throw new Error(`${missing.length} of ${wanted.length} messages never arrived (nothing new for ${stallMs} ms); first missing: ${missing.slice(0, 10).join(', ')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    close: down,
  };
}

export type CountingSink = Awaited<ReturnType<typeof startCountingSink>>;
