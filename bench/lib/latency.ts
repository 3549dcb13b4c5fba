import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { sleep } from './proc.js';

export interface LatencyResult {
  rate: number;
  sent: number;
  accepted: number;
  delivered: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** An smtp-server upstream that notes when each numbered message arrives. */
export async function startTimingSink(port: number) {
  const arrivals = new Map<number, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const at = performance.timeOrigin + performance.now();
        const match = /^X-Bench-Seq: (\d+)/m.exec(Buffer.concat(chunks).subarray(0, 8192).toString('latin1'));
        if (match) arrivals.set(Number(match[1]), at);
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { arrivals, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Sent at the same rate before the measured ones and not counted: first connections, JIT. */
export const WARMUP_SECONDS = 2;

/**
 * Sends `rate` messages a second for `seconds` (after a warm-up), each on a new connection,
 * and measures from the client's 250 to the sink's end of DATA.
 */
export async function measureLatency(
  smtpPort: number,
  arrivals: Map<number, number>,
  rate: number,
  seconds: number,
  size: number,
  subject: (seq: number) => string = (seq) => `latency ${seq}`,
): Promise<LatencyResult> {
  const body = `${'x'.repeat(76)}\r\n`;
  const text = body.repeat(Math.max(1, Math.round(size / body.length)));
  const accepted = new Map<number, number>();
  const warmup = rate * WARMUP_SECONDS;
  const total = warmup + rate * seconds;
  const start = performance.now();
  const sends: Promise<void>[] = [];
  for (let seq = 0; seq < total; seq++) {
    const due = start + (seq * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, ignoreTLS: true });
    sends.push(
      transport
        .sendMail({
          envelope: { from: 'bench@example.com', to: ['sink@example.net'] },
          headers: { 'X-Bench-Seq': String(seq) },
          from: 'bench@example.com',
          to: 'sink@example.net',
          subject: subject(seq),
          text,
        })
        .then(
          () => {
            if (seq >= warmup) accepted.set(seq, performance.timeOrigin + performance.now());
          },
          () => undefined,
        )
        .finally(() => transport.close()),
    );
  }
  await Promise.all(sends);
  const deadline = Date.now() + 30_000;
  while ([...accepted.keys()].some((seq) => !arrivals.has(seq)) && Date.now() < deadline) await sleep(20);
  const latencies = [...accepted]
    .filter(([seq]) => arrivals.has(seq))
    .map(([seq, at]) => arrivals.get(seq)! - at)
    .sort((a, b) => a - b);
  return {
    rate,
    sent: total - warmup,
    accepted: accepted.size,
    delivered: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? NaN,
  };
}
