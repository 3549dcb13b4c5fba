import { UnrecoverableError, Worker, type Job } from 'bullmq';
import nodemailer, { type Transporter } from 'nodemailer';
import {
  applyHeaderRewrites, createDeliveryLedger, createMessageStore, createOutcomeMetrics, createSenderMetrics,
  deliverJobSchema, MailsortError, parseJob, QUEUES, type Config, type Service, type ServiceDeps, type UpstreamConfig,
} from '@mailsort/core';

// Until the delivery policy issue lands: retry at these delays, then keep the last one.
const RETRY_DELAYS_MS = [1000, 5000, 30_000, 60_000, 300_000];

function createTransport(upstream: UpstreamConfig): Transporter {
  return nodemailer.createTransport({
    host: upstream.host,
    port: upstream.port,
    secure: upstream.tls === 'implicit',
    ignoreTLS: upstream.tls === 'none',
    requireTLS: upstream.tls === 'starttls',
    name: upstream.hello,
    pool: true,
    maxConnections: 5,
    maxMessages: Infinity,
  });
}

/** Delivers each deliver job to its upstream, streaming the stored message with its rewrites. */
export function createSenderService(config: Config, { logger, registry, redis }: ServiceDeps): Service {
  const { prefix } = config.redis;
  const connection = redis.connect('worker');
  const store = createMessageStore(connection, prefix, config.redis.message_ttl);
  const ledger = createDeliveryLedger(connection, prefix, config.redis.message_ttl);
  const metrics = createSenderMetrics(registry);
  const outcomes = createOutcomeMetrics(registry);
  const transports = new Map(config.upstreams.map((upstream) => [upstream.name, createTransport(upstream)]));
  let worker: Worker | undefined;

  async function deliver(job: Job): Promise<void> {
    const delivery = parseJob(deliverJobSchema, job);
    const { destination } = delivery;
    if (destination.kind !== 'smtp') throw new UnrecoverableError('webhook deliveries are not supported yet');
    if (await ledger.wasDelivered(delivery.deliveryId)) {
      logger.info({ id: delivery.id, deliveryId: delivery.deliveryId }, 'already delivered; not sending again');
    } else {
      const transport = transports.get(destination.upstream);
      if (!transport) throw new UnrecoverableError(new MailsortError('UPSTREAM_UNKNOWN', `no upstream named ${destination.upstream}`).message);
      const raw = await store.get(delivery.id);
      if (!raw) throw new UnrecoverableError(`stored message ${delivery.id} is missing`);
      const started = Date.now();
      try {
        const info = await transport.sendMail({ envelope: destination.envelope, raw: applyHeaderRewrites(raw, destination.rewrites) });
        await ledger.markDelivered(delivery.deliveryId, String(info.response));
        metrics.deliveries.inc({ result: 'delivered', upstream: destination.upstream });
        metrics.acceptToDelivered.observe((Date.now() - delivery.acceptedAt) / 1000);
        logger.info({ id: delivery.id, deliveryId: delivery.deliveryId, upstream: destination.upstream, response: info.response }, 'delivered');
      } catch (error) {
        const responseCode = (error as { responseCode?: number }).responseCode;
        const permanent = responseCode !== undefined && responseCode >= 500;
        metrics.deliveries.inc({ result: permanent ? 'failed' : 'deferred', upstream: destination.upstream });
        logger.warn({ id: delivery.id, code: permanent ? 'DELIVERY_PERMANENT' : 'DELIVERY_TEMPORARY', err: error }, 'delivery attempt failed');
        if (permanent) throw new UnrecoverableError((error as Error).message);
        throw error;
      } finally {
        metrics.deliveryDuration.observe({ upstream: destination.upstream }, (Date.now() - started) / 1000);
      }
    }
    if ((await store.finishDelivery(delivery.id)) <= 0) outcomes.finished.inc({ outcome: 'delivered', reason: '' });
  }

  return {
    async start() {
      worker = new Worker(QUEUES.deliver, deliver, {
        connection: redis.connect('worker'),
        prefix,
        concurrency: config.delivery.concurrency,
        settings: { backoffStrategy: (attempts: number) => RETRY_DELAYS_MS[Math.min(attempts, RETRY_DELAYS_MS.length) - 1]! },
      });
      worker.on('error', (error) => logger.error({ code: 'REDIS_UNAVAILABLE', err: error }, 'deliver worker error'));
    },
    isReady: () => worker?.isRunning() ?? false,
    async stopIntake() {},
    async closeWorkers() {
      await worker?.close();
    },
    async closeProducers() {
      for (const transport of transports.values()) transport.close();
    },
  };
}
