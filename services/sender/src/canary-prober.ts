import { randomUUID } from 'node:crypto';
import type { CanaryMetrics, CanaryResult, CanaryStore, Logger, RedisFactory } from '@mailsort/core';
import { newProbeId, sendProbe, type CanaryTarget } from './canary-client.js';

interface ProberDeps {
  store: CanaryStore;
  /** A connection of its own: waiting for a probe's result blocks it. */
  blocking: ReturnType<RedisFactory['connect']>;
  metrics: CanaryMetrics;
  logger: Logger;
  send?: typeof sendProbe;
}

// How long one BLPOP may block, so that shutdown is never held up by a waiting probe.
const WAIT_SLICE_MS = 1000;

/**
 * One probe per `every` across all sender replicas: the replica that takes the turn (a lock
 * that expires shortly before the next interval, like gocd-sync's) sends it and waits up to
 * `every` for the sender's word on its delivery; every replica reports the last result.
 */
export function createCanaryProber(target: CanaryTarget, { store, blocking, metrics, logger, send = sendProbe }: ProberDeps) {
  const token = randomUUID();
  const labels = { upstream: target.upstream };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let probing: Promise<void> | undefined;

  async function waitFor(id: string, deadline: number): Promise<CanaryResult | undefined> {
    while (!stopped && Date.now() < deadline) {
      const result = await store.wait(blocking, id, Math.min(WAIT_SLICE_MS, deadline - Date.now()));
      if (result) return result;
    }
    return undefined;
  }

  async function report(): Promise<void> {
    const last = await store.readLast();
    if (!last || last.upstream !== target.upstream) return;
    metrics.success.set(labels, last.success ? 1 : 0);
    if (last.lastSuccessAt !== undefined) metrics.lastSuccess.set(labels, last.lastSuccessAt / 1000);
  }

  async function probeOnce(): Promise<void> {
    const id = newProbeId();
    const started = Date.now();
    const deadline = started + target.every;
    // The record stays until the sender has delivered the probe (or the mail itself would have
    // expired): a probe that timed out, or that ingest stored although the client saw an error,
    // may still be routed however late (the router down, a backlog), and must then still go to
    // the canary's mailbox, never to a team.
    await store.register({ id, v: 1, from: target.from, to: target.to, upstream: target.upstream, sentAt: started }, target.probeTtl);
    try {
      await send(target, id, new Date(started));
    } catch (error) {
      logger.warn({ probe: id, code: 'CANARY_FAILED', err: error }, 'canary probe was not accepted by ingest');
      return finish(id, 'refused', undefined);
    }
    const result = await waitFor(id, deadline);
    return finish(id, result ? result.result : 'timeout', result);
  }

  async function finish(id: string, outcome: 'delivered' | 'failed' | 'timeout' | 'refused', result: CanaryResult | undefined): Promise<void> {
    if (stopped && outcome === 'timeout') return;
    const previous = await store.readLast();
    const success = outcome === 'delivered';
    const lastSuccessAt = success ? result!.at : previous?.upstream === target.upstream ? previous.lastSuccessAt : undefined;
    await store.writeLast({ success, at: Date.now(), upstream: target.upstream, ...(lastSuccessAt !== undefined ? { lastSuccessAt } : {}) });
    metrics.probes.inc({ result: outcome });
    if (success) metrics.latency.observe(labels, (result!.at - result!.acceptedAt) / 1000);
    await report();
    if (success) logger.info({ probe: id, upstream: target.upstream, latencyMs: result!.at - result!.acceptedAt }, 'canary probe reached its upstream');
    else logger.warn({ probe: id, upstream: target.upstream, outcome, reply: result?.reply, code: 'CANARY_FAILED' }, 'canary probe did not reach its upstream');
  }

  async function tick(): Promise<void> {
    await report();
    if (stopped || !(await store.takeTurn(token, Math.max(500, Math.floor(target.every * 0.9))))) return;
    await probeOnce();
  }

  function run(): void {
    // A probe still waiting is not overlapped by this replica's next turn.
    if (stopped || probing) return;
    probing = tick()
      .catch((error: unknown) => logger.error({ code: 'CANARY_FAILED', err: error }, 'canary probe failed unexpectedly'))
      .finally(() => (probing = undefined));
  }

  return {
    upstream: target.upstream,
    start(): void {
      run();
      timer = setInterval(run, target.every);
    },
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      await probing;
    },
  };
}
