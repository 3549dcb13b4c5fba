import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/**
 * A loopback port nothing listens on, for a server started next. Drawn below the kernel's
 * ephemeral range: a port the kernel handed out (listen(0)) is also what it hands to the next
 * outgoing connection, and a client socket on it makes the server's bind fail with EADDRINUSE
 * (seen in the test suite, where hundreds of Redis and SMTP clients connect meanwhile).
 */
export async function freePort(): Promise<number> {
  const below = ephemeralRangeStart();
  for (let tries = 0; tries < 50; tries++) {
    const port = 10_000 + Math.floor(Math.random() * (below - 10_000));
    if (handedOut.has(port)) continue;
    if (await listens(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free loopback port between 10000 and ${below} after 50 tries`);
}

const handedOut = new Set<number>();

function ephemeralRangeStart(): number {
  try {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (start > 11_000) return start;
  } catch {
    // not Linux: the IANA range starts at 49152, Linux's default at 32768
  }
  return 32_768;
}

function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function redisAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

export const REDIS_INSTALL_HINT = 'redis-server was not found on PATH. Install it with:\n  sudo apt-get install -y redis-server\n(or point REDIS_URL at a Redis you already run)';

/** Starts a throwaway redis-server on a free port (nothing saved), or explains how to get one. */
export async function startLocalRedis(dir: string): Promise<{ url: string; process: ChildProcess }> {
  if (spawnSync('redis-server', ['--version']).error) throw new Error(REDIS_INSTALL_HINT);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    if (await redisAnswers(url, 200)) return { url, process: child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error(`redis-server did not answer on port ${port}`);
}
