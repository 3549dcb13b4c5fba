import nodemailer from 'nodemailer';
import type { Logger, RecipientOutcome, SenderMetrics, UpstreamConfig } from '@mailsort/core';
import type { CircuitBreaker } from './circuit-breaker.js';
import { classifySmtpError, replyOf, type SmtpFailure, type Verdict } from './classify-error.js';
import { transportOptions, type ReadFile } from './upstream-transport.js';

export interface SmtpAttempt {
  /** The upstream that gave the final answer (or the last one tried). */
  upstream: string;
  reply: string;
  /** Set when the send as a whole failed; per-recipient results are in `recipients`. */
  verdict?: Verdict;
  recipients: Record<string, RecipientOutcome>;
}

const NOT_RENDERED_MESSAGE_ID = '<raw@mailsort.invalid>';

type Mailer = ReturnType<typeof nodemailer.createTransport>;
type StreamPlugin = Parameters<Mailer['use']>[1];

/**
 * nodemailer re-parses envelope addresses with its header address parser (a comma splits one
 * into two, a domain or quoted local part is re-spelled). mailsort's addresses were parsed
 * once at ingest into their canonical form; this makes the MAIL FROM / RCPT TO on the wire
 * exactly the strings given, which are also the keys of the per-recipient records.
 */
const sendEnvelopeAsGiven: StreamPlugin = (mail, done) => {
  const given = mail.data.envelope as { from: string; to: string[] };
  mail.message.getEnvelope = () => ({ from: given.from, to: [...given.to] });
  done();
};

function createPool(options: ReturnType<typeof transportOptions>) {
  const pool = nodemailer.createTransport(options);
  pool.use('stream', sendEnvelopeAsGiven);
  return pool;
}

type Pool = ReturnType<typeof createPool>;

interface RejectedError extends SmtpFailure {
  recipient?: string;
  response?: string;
}

function recipientOutcomes(to: string[], status: RecipientOutcome['status'], reply: string, upstream: string, at: number): Record<string, RecipientOutcome> {
  return Object.fromEntries(to.map((address) => [address, { status, reply, upstream, at }]));
}

function rejectedOutcomes(rejected: RejectedError[], upstream: string, at: number): Record<string, RecipientOutcome> {
  return Object.fromEntries(
    rejected
      .filter((error) => error.recipient)
      .map((error) => [
        error.recipient!,
        {
          status: classifySmtpError(error).action === 'fail' ? 'rejected' : 'deferred',
          reply: replyOf(error),
          upstream,
          at,
        },
      ]),
  );
}

/**
 * One nodemailer pool per upstream, and sending with failover: on an upstream-level failure
 * (connection, TLS, AUTH, greeting) or while its breaker is open, the named upstream's
 * `fallback` list is tried in order. Problems with the message itself never fail over.
 */
export function createSmtpDelivery({
  upstreams,
  readFile,
  breaker,
  metrics,
  logger,
}: {
  upstreams: readonly UpstreamConfig[];
  readFile: ReadFile;
  breaker: CircuitBreaker;
  metrics: SenderMetrics;
  logger: Logger;
}) {
  let configs = new Map(upstreams.map((upstream) => [upstream.name, upstream]));
  let pools = new Map<string, Pool>(upstreams.map((upstream) => [upstream.name, createPool(transportOptions(upstream, readFile))]));
  // A pool a reload replaced is closed once the sends that took it have finished.
  const inFlight = new Map<Pool, number>();
  const retiring = new Set<Pool>();

  function take(pool: Pool): void {
    inFlight.set(pool, (inFlight.get(pool) ?? 0) + 1);
  }

  function release(pool: Pool): void {
    const left = (inFlight.get(pool) ?? 1) - 1;
    if (left > 0) return void inFlight.set(pool, left);
    inFlight.delete(pool);
    if (retiring.delete(pool)) pool.close();
  }

  function retire(pool: Pool): void {
    if (inFlight.has(pool)) retiring.add(pool);
    else pool.close();
  }

  // A canary probe is counted only by the canary: `counted` false skips the sender's metrics.
  async function sendVia(name: string, envelope: { from: string; to: string[] }, raw: Buffer, counted: boolean): Promise<SmtpAttempt> {
    const started = Date.now();
    const pool = pools.get(name)!;
    take(pool);
    try {
      // A raw message is sent as it is; naming a Message-ID only spares nodemailer generating
      // one (random bytes per message) for its info object: the raw bytes get no header.
      const info = await pool.sendMail({ envelope, raw, messageId: NOT_RENDERED_MESSAGE_ID });
      breaker.success(name);
      if (counted) metrics.attempts.inc({ upstream: name, outcome: 'ok' });
      const reply = String(info.response).trim();
      const accepted = recipientOutcomes(info.accepted.map(String), 'accepted', reply, name, Date.now());
      const rejected = rejectedOutcomes((info as { rejectedErrors?: RejectedError[] }).rejectedErrors ?? [], name, Date.now());
      return { upstream: name, reply, recipients: { ...accepted, ...rejected } };
    } catch (error) {
      const failure = error as RejectedError & { rejectedErrors?: RejectedError[] };
      const verdict = classifySmtpError(failure);
      const reply = replyOf(error);
      if (counted) metrics.attempts.inc({ upstream: name, outcome: verdict.reason });
      if (verdict.scope === 'upstream') breaker.failure(name);
      const recipients = failure.rejectedErrors?.length
        ? rejectedOutcomes(failure.rejectedErrors, name, Date.now())
        : recipientOutcomes(envelope.to, verdict.action === 'fail' ? 'rejected' : 'deferred', reply, name, Date.now());
      return { upstream: name, reply, verdict, recipients };
    } finally {
      release(pool);
      if (counted) metrics.deliveryDuration.observe({ upstream: name }, (Date.now() - started) / 1000);
    }
  }

  return {
    has: (name: string) => configs.has(name),
    /** `canary`: a probe of this one upstream, so no fallback is tried and no metric counts it. */
    async send(upstream: string, envelope: { from: string; to: string[] }, raw: Buffer, { canary = false }: { canary?: boolean } = {}): Promise<SmtpAttempt> {
      const candidates = canary ? [upstream] : [upstream, ...(configs.get(upstream)?.fallback ?? [])];
      let last: SmtpAttempt | undefined;
      for (const name of candidates) {
        if (breaker.isOpen(name)) {
          const reply = `upstream ${name} is paused after repeated failures`;
          last ??= { upstream: name, reply, verdict: { action: 'retry', scope: 'upstream', reason: 'breaker_open' }, recipients: recipientOutcomes(envelope.to, 'deferred', reply, name, Date.now()) };
          continue;
        }
        const attempt = await sendVia(name, envelope, raw, !canary);
        if (attempt.verdict?.scope !== 'upstream') return attempt;
        if (name !== candidates.at(-1)) logger.warn({ upstream: name, reply: attempt.reply, reason: attempt.verdict.reason, code: 'DELIVERY_TEMPORARY' }, 'upstream failed; trying the next one');
        last = attempt;
      }
      return last!;
    },
    /** Open connections per upstream, read when Prometheus scrapes. */
    connections(): Array<[string, number]> {
      // nodemailer does not expose its pool size; its connection list is read defensively.
      return [...pools].map(([name, pool]) => {
        const list = (pool.transporter as unknown as { _connections?: unknown })._connections;
        return [name, Array.isArray(list) ? list.length : 0];
      });
    },
    /**
     * A reload's upstreams: an unchanged upstream keeps its pool (and its open connections), a
     * new or changed one gets a new pool, and a removed or replaced pool is closed after its
     * in-flight sends. Throws before changing anything when a TLS file cannot be read.
     */
    update(next: readonly UpstreamConfig[]): void {
      const same = (upstream: UpstreamConfig) => JSON.stringify(configs.get(upstream.name)) === JSON.stringify(upstream);
      const nextPools = new Map<string, Pool>(next.map((upstream) => [upstream.name, same(upstream) ? pools.get(upstream.name)! : createPool(transportOptions(upstream, readFile))]));
      const kept = new Set(nextPools.values());
      for (const pool of pools.values()) if (!kept.has(pool)) retire(pool);
      pools = nextPools;
      configs = new Map(next.map((upstream) => [upstream.name, upstream]));
    },
    close(): void {
      for (const pool of pools.values()) pool.close();
      for (const pool of retiring) pool.close();
    },
  };
}

export type SmtpDelivery = ReturnType<typeof createSmtpDelivery>;
