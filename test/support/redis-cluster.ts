import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@mailsort/cli';
import { baseConfig, writeConfigFile } from './config.js';
import { startService } from './processes.js';

const run = promisify(execFile);

export interface ClusterNode {
  port: number;
  address: string;
  child: ChildProcess;
}

/** `redis-cli -p port args…`, its output as text. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(port), ...args], { timeout: 10_000 });
  return stdout;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A Redis Cluster of the test's own: `masters` masters with one replica each, every node a
 * redis-server on a free loopback port in a temp dir, made with `redis-cli --cluster create`.
 * cluster-node-timeout is low so a killed master's replica takes over in about a second.
 */
export async function startRedisCluster({ masters = 3, nodeTimeoutMs = 1000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mailsort-cluster-'));
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < masters * 2; i++) {
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--cluster-enabled', 'yes'];
    args.push('--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', String(nodeTimeoutMs), '--cluster-require-full-coverage', 'no');
    // A replica never thinks its copy too old to take over: on a loaded machine the default
    // factor (10) has kept the killed master's replica from standing for election at all.
    args.push('--cluster-replica-validity-factor', '0');
    nodes.push({ port, address: `127.0.0.1:${port}`, child: spawn('redis-server', args, { stdio: 'ignore' }) });
  }
  const kill = (node: ClusterNode) => {
    if (node.child.exitCode !== null || node.child.signalCode !== null) return Promise.resolve();
    const exited = new Promise((resolve) => node.child.once('exit', resolve));
    node.child.kill('SIGKILL');
    return exited;
  };
  const stop = () => Promise.all(nodes.map(kill));
  process.once('exit', () => {
    for (const node of nodes) node.child.kill('SIGKILL');
  });
  try {
    for (const node of nodes) await waitFor(async () => (await redisCli(node.port, 'PING')).trim() === 'PONG', 10_000, `node ${node.port} did not start`);
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((node) => node.address), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 });
    for (const node of nodes) await waitFor(async () => (await redisCli(node.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'), 20_000, `node ${node.port} never saw cluster_state:ok`);
  } catch (error) {
    await stop();
    throw error;
  }
  const alive = () => nodes.filter((node) => node.child.exitCode === null && node.child.signalCode === null);

  /** The node (among those alive) that is master of a key's slot, by asking a live node. */
  async function masterOf(key: string): Promise<ClusterNode | undefined> {
    const asked = alive()[0]!;
    const slot = Number((await redisCli(asked.port, 'CLUSTER', 'KEYSLOT', key)).trim());
    for (const line of (await redisCli(asked.port, 'CLUSTER', 'NODES')).trim().split('\n')) {
      const [, address, flags, , , , , state, ...ranges] = line.split(' ');
      if (!flags?.includes('master') || flags.includes('fail') || state !== 'connected') continue;
      const owns = ranges.some((range) => {
        const [from, to = from] = range.split('-').map(Number);
        return slot >= from! && slot <= to!;
      });
      if (owns) return nodes.find((node) => address?.startsWith(`${node.address}@`));
    }
    return undefined;
  }

  return {
    nodes,
    /** The seed list for redis.cluster_nodes. */
    addresses: nodes.map((node) => node.address),
    masterOf,
    kill,
    /** Resolves once a live master serves the key's slot and the live nodes say cluster_state:ok. */
    async waitForMasterOf(key: string, timeoutMs: number): Promise<ClusterNode> {
      let master: ClusterNode | undefined;
      await waitFor(
        async () => {
          master = await masterOf(key);
          if (!master || !alive().includes(master)) return false;
          return (await redisCli(master.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok');
        },
        timeoutMs,
        `no live master took over ${key}'s slot`,
      );
      return master!;
    },
    stop,
  };
}

export type RedisCluster = Awaited<ReturnType<typeof startRedisCluster>>;

/**
 * ingest, router and sender, each its own process, on the cluster with `shards`, started side
 * by side (not one after the other as startFaultSystem does: a cluster test has no time to spare).
 */
export async function startClusterServices({ cluster, prefix, shards, upstreamPort }: { cluster: RedisCluster; prefix: string; shards: number; upstreamPort: number }) {
  const smtpPort = await freePort();
  const configFile = writeConfigFile({
    ...baseConfig({ prefix, smtpPort, upstreamPort }),
    redis: { prefix, shards, cluster_nodes: cluster.addresses },
    delivery: { retry: ['200ms', '1s'], breaker: { failures: 5, open_for: '1s' }, stalled_after: '5s' },
  });
  const env = { LOG_LEVEL: 'info' };
  const services = (['sender', 'router', 'ingest'] as const).map((kind) => startService(kind, configFile, { args: ['--http-port', '0'], env }));
  const killAll = () => {
    for (const service of services) if (service.child.exitCode === null) service.child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  try {
    await Promise.all(services.map((service) => service.waitForLog((line) => line.msg === `${service.name} started`, 60_000)));
  } catch (error) {
    killAll();
    throw error;
  }
  return {
    smtpPort,
    services,
    async stop(): Promise<void> {
      await Promise.all(
        services.map(async (service) => {
          const timer = setTimeout(() => service.child.kill('SIGKILL'), 20_000);
          await service.stop('SIGTERM');
          clearTimeout(timer);
        }),
      );
      process.off('exit', killAll);
    },
  };
}
