import { join } from 'node:path';
import { parseCommandStats, startMailsort } from './mailsort-system.js';
/** A peer MTA the bench starts and stops, measured as a process tree (Postfix, Haraka). */
export interface PeerInstance {
  smtpPort: number;
  masterPid(): number | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}
import { sampleTree, treeCpu } from './proc.js';
import { runSmtpSource, startSmtpSink, type SourceOptions } from './smtp-tools.js';

export interface RunResult {
  system: string;
  messages: number;
  acceptedPerSec: number;
  endToEndPerSec: number;
  acceptSeconds: number;
  endToEndSeconds: number;
  /** Peak RSS per process (kind), kB. */
  peakRssKb: Record<string, number>;
  /** Sum of the processes' peak RSS (mailsort) or peak of the summed PSS (Postfix), kB. */
  totalRssKb: number;
  /** CPU seconds used during the run, per process, and in total. */
  cpuSeconds: Record<string, number>;
  redisCommandsPerMessage?: Record<string, number>;
  error?: string;
}

type Load = Omit<SourceOptions, 'port'>;

async function timed(sinkPort: number, smtpPort: number, load: Load) {
  const sink = await startSmtpSink(sinkPort);
  try {
    const t0 = Date.now();
    const acceptedAt = await runSmtpSource({ ...load, port: smtpPort });
    const doneAt = await sink.waitFor(load.messages);
    return { acceptSeconds: (acceptedAt - t0) / 1000, endToEndSeconds: (Math.max(doneAt, acceptedAt) - t0) / 1000 };
  } finally {
    await sink.stop();
  }
}

function rates(messages: number, t: { acceptSeconds: number; endToEndSeconds: number }) {
  return { ...t, acceptedPerSec: messages / t.acceptSeconds, endToEndPerSec: messages / t.endToEndSeconds };
}

export async function runSinkOnly(sinkPort: number, load: Load): Promise<RunResult> {
  const t = await timed(sinkPort, sinkPort, load);
  return { system: 'sink only', messages: load.messages, ...rates(load.messages, t), peakRssKb: {}, totalRssKb: NaN, cpuSeconds: {} };
}

export async function runMailsort(
  dir: string,
  sinkPort: number,
  load: Load,
  options: { senders: number; concurrency?: number; logLevel: string; profile: boolean; ingestImport?: string; cliRoot?: string; label?: string },
): Promise<RunResult> {
  const system = await startMailsort({ dir, upstreamPort: sinkPort, ...options });
  const label = options.label ?? `mailsort (${options.senders} sender${options.senders > 1 ? 's' : ''})`;
  try {
    system.redisCli('CONFIG', 'RESETSTAT');
    const before = system.cpu();
    const t = await timed(sinkPort, system.smtpPort, load);
    const after = system.cpu();
    const cpuSeconds = Object.fromEntries(Object.keys(after).map((name) => [name, after[name]! - (before[name] ?? 0)]));
    cpuSeconds.total = Object.values(cpuSeconds).reduce((a, b) => a + b, 0);
    const stats = parseCommandStats(system.redisCli('INFO', 'commandstats'));
    const redisCommandsPerMessage = Object.fromEntries(
      Object.entries(stats)
        .filter(([name]) => !/^(config|info)\b/.test(name))
        .map(([name, s]) => [name, s.calls / load.messages]),
    );
    redisCommandsPerMessage.total = Object.values(redisCommandsPerMessage).reduce((a, b) => a + b, 0);
    const peakRssKb = system.peakRss();
    return {
      system: label,
      messages: load.messages,
      ...rates(load.messages, t),
      peakRssKb,
      totalRssKb: Object.values(peakRssKb).reduce((a, b) => a + b, 0),
      cpuSeconds,
      redisCommandsPerMessage,
    };
  } catch (error) {
    return {
      system: label,
      messages: load.messages,
      acceptedPerSec: NaN,
      endToEndPerSec: NaN,
      acceptSeconds: NaN,
      endToEndSeconds: NaN,
      peakRssKb: system.peakRss(),
      totalRssKb: NaN,
      cpuSeconds: {},
      error: (error as Error).message,
    };
  } finally {
    await system.stop();
  }
}

export async function runPeer(system: string, peer: PeerInstance, sinkPort: number, load: Load): Promise<RunResult> {
  await peer.start();
  const sampler = sampleTree(peer.masterPid);
  try {
    const master = peer.masterPid()!;
    const before = treeCpu(master);
    const t = await timed(sinkPort, peer.smtpPort, load);
    const cpu = treeCpu(master) - before;
    const { peakByName, peakTotalKb } = sampler.stop();
    return { system, messages: load.messages, ...rates(load.messages, t), peakRssKb: peakByName, totalRssKb: peakTotalKb, cpuSeconds: { total: cpu } };
  } catch (error) {
    const { peakByName } = sampler.stop();
    return {
      system,
      messages: load.messages,
      acceptedPerSec: NaN,
      endToEndPerSec: NaN,
      acceptSeconds: NaN,
      endToEndSeconds: NaN,
      peakRssKb: peakByName,
      totalRssKb: NaN,
      cpuSeconds: {},
      error: (error as Error).message,
    };
  } finally {
    await peer.stop();
  }
}

export const runDir = (root: string, name: string) => join(root, name);
