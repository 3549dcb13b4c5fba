import nodemailer from 'nodemailer';
import { SEQ_HEADER } from './counting-sink.js';

export interface SendOutcome {
  seq: number;
  /** SMTP reply code of the end of DATA (250, 451…), 0 for a connection failure. */
  code: number;
  response: string;
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
  seqs: Iterable<number>;
  /** SMTP connections kept open and reused (nodemailer's pool). */
  connections?: number;
  bodyBytes?: number;
}

/**
 * Sends numbered messages over a pool of SMTP connections and records each one's reply, so
 * a test knows exactly which messages got 250 (mailsort owes them a delivery) and which did not.
 */
export async function sendNumbered({ port, seqs, connections = 8, bodyBytes = 512 }: LoadOptions): Promise<SendOutcome[]> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1', port, ignoreTLS: true, pool: true, maxConnections: connections, maxMessages: Infinity,
    connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000,
  });
  try {
    return await Promise.all([...seqs].map(async (seq): Promise<SendOutcome> => {
      try {
        const info = await transport.sendMail({ envelope: { from: 'load@example.com', to: ['sink@example.net'] }, raw: rawMessage(seq, bodyBytes) });
        return { seq, code: Number(String(info.response).slice(0, 3)), response: String(info.response) };
      } catch (error) {
        const { responseCode, response, message } = error as { responseCode?: number; response?: string; message: string };
        return { seq, code: responseCode ?? 0, response: response ?? message };
      }
    }));
  } finally {
    transport.close();
  }
}

export function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

/** The reply codes in a batch of outcomes, e.g. { 250: 9990, 451: 10 }. */
export function codes(outcomes: SendOutcome[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const { code } of outcomes) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
}
