import { Worker, type Job } from 'bullmq';
import {
  createMessageStore, createOutcomeMetrics, createQueue, createRouterMetrics, createTraceStore, jobId, parseJob,
  QUEUES, routeJobSchema, type Config, type DeliverJob, type RouteJob, type Service, type ServiceDeps,
} from '@mailsort/core';

/** Reads each accepted message's route job and enqueues one deliver job per destination. */
export function createRouterService(config: Config, { logger, registry, redis }: ServiceDeps): Service {
  const { prefix } = config.redis;
  const connection = redis.connect('worker');
  const store = createMessageStore(connection, prefix, config.redis.message_ttl);
  const traces = createTraceStore(connection, prefix, config.redis.trace_ttl);
  const deliverQueue = createQueue(QUEUES.deliver, connection, prefix);
  const metrics = createRouterMetrics(registry);
  const outcomes = createOutcomeMetrics(registry);
  let worker: Worker | undefined;

  async function route(job: Job): Promise<void> {
    const started = Date.now();
    const message: RouteJob = parseJob(routeJobSchema, job);
    const deliveries: DeliverJob[] = [{
      v: 1, id: message.id, deliveryId: jobId('deliver', message.id, 0), acceptedAt: message.acceptedAt, original: message.envelope,
      destination: { kind: 'smtp', upstream: config.routing.default_upstream, envelope: message.envelope },
    }];
    await store.expectDeliveries(message.id, deliveries.length);
    await deliverQueue.addBulk(deliveries.map((data) => ({ name: 'delivery', data, opts: { jobId: data.deliveryId } })));
    await traces.append(message.id, { at: Date.now(), service: 'router', event: 'routed', action: 'passthrough', destinations: deliveries.map((d) => d.destination) });
    metrics.routed.inc({ action: 'passthrough' });
    metrics.deliveriesEnqueued.inc({ kind: 'smtp' }, deliveries.length);
    metrics.duration.observe((Date.now() - started) / 1000);
    if (deliveries.length === 0) outcomes.finished.inc({ outcome: 'dropped', reason: 'no_recipients' });
    logger.info({ id: message.id, action: 'passthrough', deliveries: deliveries.length }, 'message routed');
  }

  return {
    async start() {
      worker = new Worker(QUEUES.route, route, { connection: redis.connect('worker'), prefix, concurrency: 50 });
      worker.on('failed', (job, error) => logger.error({ id: job?.data?.id, code: 'JOB_INVALID', err: error }, 'routing failed'));
      worker.on('error', (error) => logger.error({ code: 'REDIS_UNAVAILABLE', err: error }, 'route worker error'));
    },
    isReady: () => worker?.isRunning() ?? false,
    async stopIntake() {},
    async closeWorkers() {
      await worker?.close();
    },
    async closeProducers() {
      await deliverQueue.close();
    },
  };
}
