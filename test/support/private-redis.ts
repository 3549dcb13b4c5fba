import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, redisAnswers } from '@mailsort/cli';

export interface PrivateRedis {
  url: string;
  port: number;
  dir: string;
  start(): Promise<void>;
  /** SIGKILL: what a crash looks like. */
  kill(): Promise<void>;
}

/** A redis-server of the test's own on a free port, for tests that stop or kill Redis. */
export async function createPrivateRedis(options: { appendonly?: boolean; extraArgs?: string[] } = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mailsort-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--appendonly', options.appendonly ? 'yes' : 'no', ...(options.extraArgs ?? [])];
  return {
    url,
    port,
    dir,
    async start() {
      child = spawn('redis-server', args, { stdio: 'ignore' });
      for (let i = 0; i < 100; i++) {
        if (await redisAnswers(url, 200)) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`private redis-server on ${port} did not start`);
    },
    async kill() {
      // A process killed by a signal has no exit code, only its signalCode.
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child!.on('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
