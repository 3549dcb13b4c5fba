import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { freePort } from '@mailsort/cli';
import { QUEUES } from '@mailsort/core';
import { baseConfig, writeConfigFile } from './config.js';
import { startService, type RunningService } from './processes.js';
import { uniquePrefix } from './redis.js';

type ServiceKind = 'ingest' | 'router' | 'sender';

export interface FaultSystemOptions {
  name: string;
  redisUrl: string;
  upstreamPort: number;
  routers?: number;
  senders?: number;
  /** Merged over the generated config (shallow per top-level key). */
  extra?: Record<string, unknown>;
  /** Merged into the generated `redis:` section, which keeps its unique prefix. */
  redis?: Record<string, unknown>;
}

export interface Replica {
  kind: ServiceKind;
  index: number;
  current: RunningService;
  httpPort: number;
}

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized', 'waiting-children'] as const;

/**
 * ingest plus N routers and M senders, each its own OS process against one Redis, with the
 * means to SIGKILL, SIGTERM and restart any one of them, and to read the queues directly.
 */
export async function startFaultSystem({ name, redisUrl, upstreamPort, routers = 1, senders = 1, extra = {}, redis: redisKeys = {} }: FaultSystemOptions) {
  const prefix = uniquePrefix(name);
  const smtpPort = await freePort();
  const configFile = writeConfigFile({
    ...baseConfig({ prefix, smtpPort, upstreamPort }),
    // Production retries start at a minute; a fault test needs the same policy on a scale of seconds.
    delivery: { retry: ['200ms', '1s'], breaker: { failures: 5, open_for: '1s' }, stalled_after: '5s' },
    ...extra,
    redis: { prefix, ...redisKeys },
  });
  // info, not the harness's debug: tens of thousands of debug lines would cost the test more than the system.
  const env = { REDIS_URL: redisUrl, LOG_LEVEL: 'info' };
  // Every process this system ever started, so none outlives the test, even when the test
  // process itself fails: a leftover service would keep working on someone's Redis.
  const everyProcess: RunningService[] = [];
  const killAll = () => {
    for (const p of everyProcess) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const launch = async (kind: ServiceKind): Promise<{ current: RunningService; httpPort: number }> => {
    const current = startService(kind, configFile, { args: ['--http-port', '0'], env });
    everyProcess.push(current);
    try {
      const started = await current.waitForLog((line) => line.msg === `${kind} started`, 60_000);
      return { current, httpPort: Number(started.httpPort) };
    } catch (error) {
      current.child.kill('SIGKILL');
      throw error;
    }
  };
  /** SIGTERM (or the given signal); SIGKILL if the process is still there after the shutdown deadline. */
  const stopWithin = async (service: RunningService, signal: NodeJS.Signals): Promise<number | null> => {
    const timer = setTimeout(() => service.child.kill('SIGKILL'), 40_000);
    try {
      return await service.stop(signal);
    } finally {
      clearTimeout(timer);
    }
  };
  const replicas: Replica[] = [];
  const plan: Array<[ServiceKind, number]> = [
    ['sender', senders],
    ['router', routers],
    ['ingest', 1],
  ];
  try {
    for (const [kind, count] of plan) {
      for (let index = 0; index < count; index++) replicas.push({ kind, index, ...(await launch(kind)) });
    }
  } catch (error) {
    // The test never gets the system to stop: the processes already started would keep the
    // test file's process alive until the runner's five-minute timeout.
    killAll();
    process.off('exit', killAll);
    throw error;
  }
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  const queues = [QUEUES.route, QUEUES.deliver, QUEUES.alertFlush, QUEUES.floodDigest].map((queue) => new Queue(queue, { connection: redis, prefix }));
  // Tests kill this Redis on purpose; the reconnect errors are expected, not news.
  for (const queue of queues) queue.on('error', () => undefined);
  const stopped: Array<number | null> = [];

  return {
    prefix,
    smtpPort,
    configFile,
    replicas,
    of: (kind: ServiceKind) => replicas.filter((r) => r.kind === kind),
    /** Stops the replica's process with the signal and starts a fresh one in its place. */
    async replace(replica: Replica, signal: NodeJS.Signals): Promise<number | null> {
      const code = await stopWithin(replica.current, signal);
      stopped.push(code);
      Object.assign(replica, await launch(replica.kind));
      return code;
    },
    /** Exit codes of every process replaced so far, in order. */
    stopped,
    metrics: (replica: Replica) => fetch(`http://127.0.0.1:${replica.httpPort}/metrics`).then((r) => r.text()),
    async jobCounts(): Promise<Record<string, Record<string, number>>> {
      const out: Record<string, Record<string, number>> = {};
      for (const queue of queues) out[queue.name] = await queue.getJobCounts(...JOB_STATES);
      return out;
    },
    async stop(): Promise<Array<number | null>> {
      const codes: Array<number | null> = [];
      for (const replica of [...replicas].reverse()) codes.push(await stopWithin(replica.current, 'SIGTERM'));
      killAll();
      process.off('exit', killAll);
      await Promise.all(queues.map((queue) => queue.close()));
      redis.disconnect();
      return codes;
    },
  };
}

export type FaultSystem = Awaited<ReturnType<typeof startFaultSystem>>;

export { metricValue } from './metrics.js';
