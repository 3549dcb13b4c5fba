import { spawn, type ChildProcess } from 'node:child_process';
import { cliCommand } from '@mailsort/cli';
import { REDIS_URL } from './redis.js';

export interface LogLine {
  level: string;
  service: string;
  msg: string;
  [key: string]: unknown;
}

export interface RunningService {
  name: string;
  child: ChildProcess;
  logs: LogLine[];
  /** Raw stderr, for failures that are not log lines. */
  stderr: string[];
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Starts `mailsort <name> --config FILE` as its own OS process and collects its JSON logs. */
export function startService(name: string, configFile: string, options: { env?: Record<string, string>; args?: string[] } = {}): RunningService {
  const { command, args } = cliCommand({ built: true });
  const child = spawn(command, [...args, name, '--config', configFile, ...(options.args ?? [])], {
    env: { ...process.env, REDIS_URL, LOG_LEVEL: 'debug', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        stderr.push(line);
      }
    }
    for (const wake of waiters) wake();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      resolve(code);
      for (const wake of waiters) wake();
    }),
  );

  function waitForLog(predicate: (line: LogLine) => boolean, timeoutMs = 15_000): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = logs.find(predicate);
        if (found) {
          cleanup();
          resolve(found);
        } else if (child.exitCode !== null) {
          cleanup();
          reject(new Error(`${name} exited (${child.exitCode}) before the expected log line; last lines: ${JSON.stringify(logs.slice(-5))} ${stderr.join('')}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${name}: no matching log line within ${timeoutMs} ms; last lines: ${JSON.stringify(logs.slice(-5))} ${stderr.join('')}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  }

  return {
    name,
    child,
    logs,
    stderr,
    waitForLog,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Starts the service and waits for its "<name> started" line. */
export async function startServiceReady(name: string, configFile: string, options: { env?: Record<string, string>; args?: string[] } = {}): Promise<RunningService> {
  const service = startService(name, configFile, options);
  try {
    await service.waitForLog((line) => line.msg === `${name} started`, 30_000);
  } catch (error) {
    service.child.kill('SIGKILL');
    throw error;
  }
  return service;
}

/**
 * The services one after the other, each ready before the next; if one fails to start, the ones
 * already running are killed: the test never gets them to stop, and they would keep the test
 * file's process alive until the runner's five-minute timeout.
 */
export async function startServicesReady(names: readonly string[], configFile: string, options: { env?: Record<string, string>; args?: string[] } = {}): Promise<RunningService[]> {
  const running: RunningService[] = [];
  try {
    for (const name of names) running.push(await startServiceReady(name, configFile, options));
  } catch (error) {
    for (const service of running) service.child.kill('SIGKILL');
    throw error;
  }
  return running;
}
