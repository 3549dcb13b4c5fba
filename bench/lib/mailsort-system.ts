import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cliCommand, freePort, redisAnswers } from '@mailsort/cli';
import { nodeEnvOf } from '../../test/support/node-flags.js';
import { waitUntil } from '../../test/support/wait.js';
import { statusKb, stat } from './proc.js';
import { stopChild } from './smtp-tools.js';

export interface MailsortOptions {
  dir: string;
  upstreamPort: number;
  senders: number;
  concurrency?: number;
  logLevel: string;
  /** Write V8 CPU profiles (node --cpu-prof) into dir/profiles. */
  profile: boolean;
  /** A module ingest preloads (node --import), for experiments such as bench/experiments/*.mjs. */
  ingestImport?: string;
  /** Merged into the config's `routing:` (managers, rules). */
  routing?: Record<string, unknown>;
  /** Processes (`router`, `sender-1`…) not started until startHeld(), e.g. to pre-load a queue. */
  held?: string[];
  /** Another checkout's root (bench/lib/baseline.ts): run its built CLI instead of this one's. */
  cliRoot?: string;
}

interface Proc {
  name: string;
  child: ChildProcess;
  httpPort?: number;
}

/**
 * mailsort as it runs in production: a redis-server with AOF fsynced every second (Postfix
 * fsyncs its queue file before 250, so like is compared with like), and ingest, router and N
 * senders as separate processes started the way `mailsort <service>` starts them.
 */
export async function startMailsort({ dir, upstreamPort, senders, concurrency, logLevel, profile, ingestImport, routing, held = [], cliRoot }: MailsortOptions) {
  mkdirSync(dir, { recursive: true });
  const redisPort = await freePort();
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec'], { stdio: 'ignore' });
  await waitUntil(() => redisAnswers(redisUrl, 200), 10_000, 'redis-server');

  const smtpPort = await freePort();
  const config = {
    redis: { url: redisUrl, prefix: 'bench' },
    http: { host: '127.0.0.1' },
    ingest: { hostname: 'mailsort.bench', listeners: [{ name: 'smtp', host: '127.0.0.1', port: smtpPort }] },
    upstreams: [{ name: 'sink', host: '127.0.0.1', port: upstreamPort, tls: 'none' }],
    routing: { default_upstream: 'sink', ...routing },
    ...(concurrency ? { delivery: { concurrency } } : {}),
  };
  const configFile = join(dir, 'mailsort.yml');
  writeFileSync(configFile, JSON.stringify(config, null, 2)); // JSON is YAML

  // Production runs the built JavaScript (bench/run.sh builds it first), not tsx.
  const { command, args } = cliRoot ? { command: process.execPath, args: [join(cliRoot, 'packages', 'cli', 'dist', 'main.js')] } : cliCommand({ built: true });
  const runtimeEnv = nodeEnvOf(cliRoot ?? resolve(import.meta.dirname, '..', '..'));
  const procs: Proc[] = [];
  const launch = async (name: string): Promise<Proc> => {
    const service = name.replace(/-\d+$/, '');
    const httpPort = await freePort();
    const log = openSync(join(dir, `${name}.log`), 'w');
    // The Node flags that checkout's image runs with (deploy/Dockerfile), as production does.
    const env: NodeJS.ProcessEnv = { ...process.env, ...runtimeEnv, REDIS_URL: redisUrl, LOG_LEVEL: logLevel };
    if (ingestImport && service === 'ingest') env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --import ${ingestImport}`.trim();
    // --cpu-prof is refused in NODE_OPTIONS, so it goes on node's own command line.
    const profiling = profile ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'profiles', name)}`] : [];
    const child = spawn(command, [...profiling, ...args, service, '--config', configFile, '--http-port', String(httpPort)], { env, stdio: ['ignore', log, log] });
    const proc = { name, child, httpPort };
    procs.push(proc);
    return proc;
  };
  const ready = (proc: Proc) =>
    waitUntil(
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited ${proc.child.exitCode}; see ${dir}/${proc.name}.log`);
        return fetch(`http://127.0.0.1:${proc.httpPort}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
      },
      60_000,
      `${proc.name} ready`,
      100,
    );
  const names = [...Array.from({ length: senders }, (_, i) => `sender-${i + 1}`), 'router', 'ingest'];
  try {
    for (const name of names.filter((n) => !held.includes(n))) await launch(name);
    for (const proc of procs) await ready(proc);
  } catch (error) {
    for (const child of [...procs.map((p) => p.child), redis]) child.kill('SIGKILL');
    throw error;
  }
  const all = (): Array<{ name: string; pid: number }> => [{ name: 'redis-server', pid: redis.pid! }, ...procs.map((p) => ({ name: p.name, pid: p.child.pid! }))];

  return {
    smtpPort,
    redisPort,
    /** Peak resident set of every process, kB. */
    peakRss: () => Object.fromEntries(all().map(({ name, pid }) => [name, statusKb(pid, 'VmHWM') ?? 0])),
    cpu: () => Object.fromEntries(all().map(({ name, pid }) => [name, stat(pid)?.cpu ?? 0])),
    metrics: (name: string) => fetch(`http://127.0.0.1:${procs.find((p) => p.name === name)!.httpPort}/metrics`).then((r) => r.text()),
    /** Starts the held processes and waits until they are ready. */
    async startHeld(): Promise<void> {
      for (const name of names.filter((n) => held.includes(n))) await ready(await launch(name));
    },
    redisCli: (...command: string[]) => spawnSync('redis-cli', ['-p', String(redisPort), ...command], { encoding: 'utf8' }).stdout,
    async stop(): Promise<void> {
      // ingest first (stop intake), then router and senders, then Redis: the production order.
      for (const proc of [...procs].reverse()) await stopChild(proc.child, 'SIGTERM', 30_000);
      await stopChild(redis, 'SIGTERM');
    },
  };
}

export type MailsortSystem = Awaited<ReturnType<typeof startMailsort>>;

/** Redis commands per message from INFO commandstats: `cmdstat_set:calls=10,usec=…`. */
export function parseCommandStats(info: string): Record<string, { calls: number; usec: number }> {
  const stats: Record<string, { calls: number; usec: number }> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) stats[match[1]!] = { calls: Number(match[2]), usec: Number(match[3]) };
  return stats;
}
