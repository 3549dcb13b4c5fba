import nodemailer, { type Transporter } from 'nodemailer';
import { SEQ_HEADER } from './counting-sink.js';

export interface SendOutcome {
  seq: number;
  /** SMTP reply code of the last attempt (250, 451…), 0 for a connection failure. */
  code: number;
  response: string;
  attempts: number;
}

function rawMessage(seq: number, bodyBytes: number): string {
  const line = 'fault injection payload line\r\n';
  return [
    'From: load@example.com',
    'To: sink@example.net',
    `Subject: fault ${seq}`,
    `Message-ID: <fault-${seq}@example.com>`,
    `${SEQ_HEADER}: ${seq}`,
    '',
    line.repeat(Math.max(1, Math.ceil(bodyBytes / line.length))),
  ].join('\r\n');
}

export interface LoadOptions {
  port: number;
  /** The message numbers to send; may be a generator that ends when the test says so. */
  seqs: Iterable<number>;
  /** Parallel clients; with `pool`, the SMTP connections they share. */
  connections?: number;
  /** Reuse connections (nodemailer's pool), or open one per message as msmtp and cron do. */
  pool?: boolean;
  /** Like a well-behaved client: on 4xx or a refused connection, try again until 250 (or deadline). */
  retryUntilAccepted?: boolean;
  bodyBytes?: number;
  onOutcome?: (outcome: SendOutcome) => void;
  /** Every reply, retries included: its code, when it came and how long the attempt took. */
  onAttempt?: (attempt: { seq: number; code: number; response: string; at: number; ms: number }) => void;
}

const transportOptions = (port: number) => ({
  host: '127.0.0.1',
  port,
  ignoreTLS: true,
  connectionTimeout: 10_000,
  greetingTimeout: 10_000,
  socketTimeout: 30_000,
});

async function attempt(transport: Transporter, seq: number, bodyBytes: number): Promise<{ code: number; response: string }> {
  try {
    const info = await transport.sendMail({ envelope: { from: 'load@example.com', to: ['sink@example.net'] }, raw: rawMessage(seq, bodyBytes) });
    return { code: Number(String(info.response).slice(0, 3)), response: String(info.response) };
  } catch (error) {
    const { responseCode, response, message } = error as { responseCode?: number; response?: string; message: string };
    return { code: responseCode ?? 0, response: response ?? message };
  }
}

/**
 * Sends numbered messages from `connections` parallel clients and records each one's final
 * reply, so a test knows exactly which messages got 250 (mailsort owes them a delivery).
 */
export async function sendNumbered({ port, seqs, connections = 8, pool = true, retryUntilAccepted = false, bodyBytes = 512, onOutcome, onAttempt }: LoadOptions): Promise<SendOutcome[]> {
  const shared = pool ? nodemailer.createTransport({ ...transportOptions(port), pool: true, maxConnections: connections, maxMessages: Infinity }) : undefined;
  const iterator = seqs[Symbol.iterator]();
  const outcomes: SendOutcome[] = [];
  const client = async () => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      const seq = next.value;
      let result: { code: number; response: string };
      let attempts = 0;
      const deadline = Date.now() + 60_000;
      for (;;) {
        attempts += 1;
        const transport = shared ?? nodemailer.createTransport(transportOptions(port));
        const started = Date.now();
        result = await attempt(transport, seq, bodyBytes);
        onAttempt?.({ seq, ...result, at: Date.now(), ms: Date.now() - started });
        if (!shared) transport.close();
        if (result.code === 250 || !retryUntilAccepted || result.code >= 500 || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 100 * Math.min(attempts, 10)));
      }
      const outcome = { seq, ...result, attempts };
      outcomes.push(outcome);
      onOutcome?.(outcome);
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, client));
  } finally {
    shared?.close();
  }
  return outcomes.sort((a, b) => a.seq - b.seq);
}

export function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

/** Numbers 0, 1, 2… until `done()` says stop. */
export function* numbersUntil(done: () => boolean): Generator<number> {
  for (let seq = 0; !done(); seq++) yield seq;
}

/** The reply codes in a batch of outcomes, e.g. { 250: 9990, 451: 10 }. */
export function codes(outcomes: SendOutcome[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const { code } of outcomes) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
}

/** The message numbers that got 250. */
export function accepted(outcomes: SendOutcome[]): number[] {
  return outcomes.filter((o) => o.code === 250).map((o) => o.seq);
}

/**
 * What clients saw of an outage that starts at `killed()`: the 451s after it, and when ingest
 * served again — the first 250 to an attempt begun after the kill, once a 451 had been seen.
 * Pass `onAttempt` to sendNumbered.
 */
export function outageWatch() {
  let killedAt = 0;
  let servedAgainAt = 0;
  let deferredAfterKill = 0;
  return {
    onAttempt({ code, at, ms }: { code: number; at: number; ms: number }): void {
      if (killedAt === 0) return;
      if (code === 451) deferredAfterKill += 1;
      if (code === 250 && servedAgainAt === 0 && at - ms > killedAt && deferredAfterKill > 0) servedAgainAt = at;
    },
    killed(at = Date.now()): void {
      killedAt = at;
    },
    get killedAt() {
      return killedAt;
    },
    get deferredAfterKill() {
      return deferredAfterKill;
    },
    /** Kill to served again, ms; NaN while never served again. */
    get unavailableMs() {
      return servedAgainAt ? servedAgainAt - killedAt : Number.NaN;
    },
  };
}
