import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, redisAnswers } from '@mailsort/cli';
import { waitUntil } from './wait.js';

export const MASTER_NAME = 'mailsort-test';

interface Node {
  port: number;
  child: ChildProcess;
}

function spawnRedis(args: string[]): ChildProcess {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  return child;
}

async function answering(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await redisAnswers(`redis://127.0.0.1:${port}`, 200)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server on ${port} did not start`);
}

/**
 * A master, `replicas` replicas and `sentinels` Sentinels of the test's own, each a
 * redis-server process on a free loopback port. Sentinels declare the master down after
 * `downAfterMs` and promote a replica; `killMaster` SIGKILLs whichever node is master now.
 */
export async function startSentinelRedis({ replicas = 2, sentinels = 3, downAfterMs = 1000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mailsort-sentinel-'));
  const everyChild: ChildProcess[] = [];
  const killAll = () => {
    for (const child of everyChild) if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const dataNode = async (replicaOf?: number): Promise<Node> => {
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--dbfilename', `dump-${port}.rdb`, '--maxmemory-policy', 'noeviction'];
    const child = spawnRedis(replicaOf === undefined ? args : [...args, '--replicaof', '127.0.0.1', String(replicaOf)]);
    everyChild.push(child);
    await answering(port);
    return { port, child };
  };
  const master = await dataNode();
  const nodes: Node[] = [master];
  for (let i = 0; i < replicas; i++) nodes.push(await dataNode(master.port));
  const sentinelPorts: number[] = [];
  const sentinelChildren: ChildProcess[] = [];
  for (let i = 0; i < sentinels; i++) {
    const port = await freePort();
    const file = join(dir, `sentinel-${port}.conf`);
    // A Sentinel rewrites its config file: each has its own, in the test's directory.
    writeFileSync(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} ${Math.min(2, sentinels)}`,
        `sentinel down-after-milliseconds ${MASTER_NAME} ${downAfterMs}`,
        `sentinel failover-timeout ${MASTER_NAME} 5000`,
        `sentinel parallel-syncs ${MASTER_NAME} ${replicas}`,
        '',
      ].join('\n'),
    );
    const child = spawn('redis-server', [file, '--sentinel'], { stdio: 'ignore' });
    everyChild.push(child);
    sentinelChildren.push(child);
    await answering(port);
    sentinelPorts.push(port);
  }
  const ask = async <T>(command: string[]): Promise<T> => {
    const sentinel = new Redis({ port: sentinelPorts[0]!, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    sentinel.on('error', () => undefined);
    try {
      await sentinel.connect();
      return (await sentinel.call(command[0]!, ...command.slice(1))) as T;
    } finally {
      sentinel.disconnect();
    }
  };
  const masterPort = async (): Promise<number> => Number((await ask<[string, string]>(['SENTINEL', 'get-master-addr-by-name', MASTER_NAME]))[1]);
  // Every Sentinel must know the replicas and its peers before a failover can be agreed.
  await waitUntil(
    async () => {
      const info = await ask<string[]>(['SENTINEL', 'master', MASTER_NAME]);
      const field = (name: string) => Number(info[info.indexOf(name) + 1]);
      return field('num-slaves') === replicas && field('num-other-sentinels') === sentinels - 1;
    },
    20_000,
    'the Sentinels know the replicas and each other',
  );

  return {
    sentinels: sentinelPorts.map((port) => `127.0.0.1:${port}`),
    masterName: MASTER_NAME,
    masterPort,
    /** The master now, as a URL (for a test's own look at the data). */
    async masterUrl(): Promise<string> {
      return `redis://127.0.0.1:${await masterPort()}`;
    },
    /** SIGKILLs the current master; resolves with its port once the process is gone. */
    async killMaster(): Promise<number> {
      const port = await masterPort();
      const node = nodes.find((candidate) => candidate.port === port)!;
      const exited = new Promise((resolve) => node.child.once('exit', resolve));
      node.child.kill('SIGKILL');
      await exited;
      return port;
    },
    /** Resolves with the new master's port once the Sentinels have promoted another node than `oldPort`. */
    async promoted(oldPort: number, timeoutMs = 30_000): Promise<number> {
      let port = oldPort;
      await waitUntil(
        async () => {
          port = await masterPort().catch(() => oldPort);
          return port !== oldPort;
        },
        timeoutMs,
        'the Sentinels promote a replica',
      );
      return port;
    },
    /** SIGKILLs one Sentinel (not the first, which this helper asks). */
    killSentinel(index: number): void {
      sentinelChildren[index]?.kill('SIGKILL');
    },
    async stop(): Promise<void> {
      killAll();
      process.off('exit', killAll);
    },
  };
}

export type SentinelRedis = Awaited<ReturnType<typeof startSentinelRedis>>;
