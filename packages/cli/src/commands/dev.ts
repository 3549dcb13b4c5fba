import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Env, ServiceName } from '@mailsort/core';
import { createDevSink } from '../dev/dev-sink.js';
import { redisAnswers, startLocalRedis } from '../dev/local-redis.js';
import type { Io } from '../io.js';
import { cliCommand } from './cli-command.js';
import { parseCommand } from './parse-command.js';

const SERVICE_ORDER: ServiceName[] = ['sender', 'router', 'gocd-sync', 'ingest', 'console'];
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const DEV_CONFIG = resolve(REPO_ROOT, 'deploy/dev/mailsort.dev.yml');

// The banner waits this long for every service's start; a slow machine gets it anyway, saying which are not up.
const START_WAIT_MS = 90_000;

function prefixLines(name: string, child: ChildProcess, io: Io, onLine: (line: string) => void): void {
  for (const [stream, write] of [
    [child.stdout, io.out],
    [child.stderr, io.err],
  ] as const) {
    let buffered = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        write(`${name.padEnd(9)} | ${line}`);
        onLine(line);
      }
    });
  }
}

/**
 * `mailsort dev`: the whole system on this machine. Redis (REDIS_URL, or 127.0.0.1:6379, or a
 * private redis-server), a dev mail sink with a web page, the four services and the console as
 * separate processes. Ctrl-C stops everything.
 */
export async function dev(args: string[], env: Env, io: Io): Promise<number> {
  const { values } = parseCommand(args, {
    config: { type: 'string' },
    'smtp-port': { type: 'string', default: '2525' },
    'sink-port': { type: 'string', default: '1025' },
    'ui-port': { type: 'string', default: '8025' },
    'console-port': { type: 'string', default: '8080' },
  });
  let redisUrl = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  let localRedis: ChildProcess | undefined;
  if (!(await redisAnswers(redisUrl))) {
    if (env.REDIS_URL) {
      io.err(`REDIS_URL=${env.REDIS_URL} does not answer; starting a private redis-server instead`);
    }
    try {
      const started = await startLocalRedis(resolve(REPO_ROOT, '.mailsort-dev/redis'));
      ({ url: redisUrl, process: localRedis } = started);
      io.out(`started a private redis-server at ${redisUrl} (nothing is saved)`);
    } catch (error) {
      io.err((error as Error).message);
      return 1;
    }
  }

  const sink = createDevSink();
  const sinkPorts = await sink.listen(Number(values['sink-port']), Number(values['ui-port']));
  const childEnv = {
    ...env,
    REDIS_URL: redisUrl,
    MAILSORT_DEV_SMTP_PORT: values['smtp-port'],
    MAILSORT_DEV_SINK_PORT: String(sinkPorts.smtpPort),
    MAILSORT_DEV_CONSOLE_PORT: values['console-port'],
  };
  const configFile = values.config ?? DEV_CONFIG;
  const { command, args: cliArgs } = cliCommand();
  const children = new Map<ServiceName, ChildProcess>();
  let stopping = false;
  // A service logs `<name> started` once it takes work (run-service.ts): the banner's addresses answer from then on.
  const starting = new Set<ServiceName>(SERVICE_ORDER);
  let allStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => (allStarted = resolve));
  const exited = SERVICE_ORDER.map((name) => {
    // Own process groups: a terminal's Ctrl-C reaches only this process, which then sends each
    // service exactly one SIGTERM (a second signal would force it out).
    const child = spawn(command, [...cliArgs, name, '--config', configFile], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.set(name, child);
    prefixLines(name, child, io, (line) => {
      if (!starting.has(name) || !line.includes(`"msg":"${name} started"`)) return;
      starting.delete(name);
      if (starting.size === 0) allStarted();
    });
    return new Promise<number>((done) =>
      child.on('exit', (code) => {
        if (!stopping) io.err(`${name} exited with code ${code}; stopping the rest`);
        done(code ?? 1);
        void stop();
      }),
    );
  });

  async function stop(): Promise<void> {
    if (stopping) return;
    stopping = true;
    for (const child of children.values()) child.kill('SIGTERM');
    await Promise.all(exited);
    await sink.close();
    localRedis?.kill('SIGTERM');
  }
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  // A closed terminal: the services, each in its own process group, would not hear it themselves.
  process.on('SIGHUP', () => void stop());

  let waited: NodeJS.Timeout | undefined;
  await Promise.race([started, Promise.race(exited), new Promise((resolve) => (waited = setTimeout(resolve, START_WAIT_MS)))]);
  clearTimeout(waited);
  if (stopping) return Math.max(...(await Promise.all(exited)), 1);
  if (starting.size > 0) io.err(`not started after ${START_WAIT_MS / 1000} s: ${[...starting].join(', ')} (see their lines above)`);
  io.out(
    [
      '',
      'mailsort is running:',
      `  SMTP in        127.0.0.1:${values['smtp-port']}  (trusted: loopback, no AUTH needed)`,
      `  delivered mail http://127.0.0.1:${sinkPorts.httpPort}/  (the dev sink, upstream at 127.0.0.1:${sinkPorts.smtpPort})`,
      `  console        http://127.0.0.1:${values['console-port']}/  (log in as dev / dev with the dev config)`,
      '  metrics        http://127.0.0.1:9301/metrics (ingest) … 9304 (gocd-sync), 9305 (console)',
      `  config         ${configFile}`,
      `  try:           swaks --server 127.0.0.1:${values['smtp-port']} --from ci@example.com --to team@example.com`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  const codes = await Promise.all(exited);
  await stop();
  return codes.every((code) => code === 0) ? 0 : 1;
}
