import { spawn, type ChildProcess } from 'node:child_process';
import { sleep } from './proc.js';

const SMTP_SINK = '/usr/sbin/smtp-sink';
const SMTP_SOURCE = '/usr/sbin/smtp-source';

export interface SmtpSink {
  port: number;
  /** Messages whose final "." the sink has read (smtp-sink -c's mesg= counter). */
  count(): number;
  /** Resolves with the time the count reached n; rejects when it stops moving for stallMs. */
  waitFor(n: number, stallMs?: number): Promise<number>;
  stop(): Promise<void>;
}

/** Postfix's smtp-sink as the upstream of both systems: same peer, same speed for each. */
export async function startSmtpSink(port: number): Promise<SmtpSink> {
  // smtp-sink refuses to run as root without -u.
  const user = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
  const child = spawn(SMTP_SINK, [...user, '-c', '-m', '1024', `127.0.0.1:${port}`, '1024'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let count = 0;
  let lastChange = Date.now();
  let errors = '';
  child.stdout!.setEncoding('latin1').on('data', (chunk: string) => {
    const all = [...chunk.matchAll(/mesg=(\d+)/g)];
    const last = all.at(-1);
    if (last && Number(last[1]) !== count) {
      count = Number(last[1]);
      lastChange = Date.now();
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
  await sleep(150);
  if (child.exitCode !== null) throw new Error(`smtp-sink did not start: ${errors}`);
  return {
    port,
    count: () => count,
    async waitFor(n, stallMs = 60_000) {
      lastChange = Date.now();
      while (count < n) {
        if (Date.now() - lastChange > stallMs) throw new Error(`sink stalled at ${count} of ${n} messages for ${stallMs} ms`);
        await sleep(10);
      }
      return lastChange;
    },
    stop: () => stopChild(child),
  };
}

export interface SourceOptions {
  port: number;
  messages: number;
  sessions: number;
  size: number;
}

/**
 * Postfix's smtp-source: `sessions` parallel clients, one message per connection (it
 * disconnects after each unless -d is given), `size` bytes of body. Resolves with the
 * wall-clock time when the last message got its 250.
 */
export function runSmtpSource({ port, messages, sessions, size }: SourceOptions): Promise<number> {
  const child = spawn(
    SMTP_SOURCE,
    ['-s', String(sessions), '-m', String(messages), '-l', String(size), '-M', 'bench.localdomain', '-f', 'bench@example.com', '-t', 'sink@example.net', '-S', 'mailsort bench', `127.0.0.1:${port}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let errors = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      if (code === 0) resolve(Date.now());
      else reject(new Error(`smtp-source exited ${code}: ${errors.trim()}`));
    }),
  );
}

export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
