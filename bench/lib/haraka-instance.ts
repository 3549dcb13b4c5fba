import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { waitUntil } from '../../test/support/wait.js';
import { stopChild } from './smtp-tools.js';

/** Haraka is installed by the bench with npm into a git-ignored cache, never into the workspace. */
export const HARAKA_VERSION = '3.3';
const CACHE = resolve(import.meta.dirname, '..', '.cache', 'haraka');
const HARAKA_BIN = join(CACHE, 'node_modules', '.bin', 'haraka');

export function ensureHaraka(): string {
  if (!existsSync(HARAKA_BIN)) {
    mkdirSync(CACHE, { recursive: true });
    console.log(`installing Haraka@${HARAKA_VERSION} into ${CACHE} (npm)`);
    execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', '--prefix', CACHE, `Haraka@${HARAKA_VERSION}`], { stdio: 'inherit' });
  }
  return execFileSync(process.execPath, ['-p', `require(${JSON.stringify(join(CACHE, 'node_modules', 'Haraka', 'package.json'))}).version`], { encoding: 'utf8' }).trim();
}

const portAnswers = (port: number) =>
  new Promise<boolean>((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('data', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });

/**
 * A private Haraka made by `haraka -i DIR`: it listens on 127.0.0.1:smtpPort only, the relay
 * plugin's ACL lets 127.0.0.0/8 relay, and relayed mail goes to Haraka's on-disk outbound
 * queue (no queue_outbound plugin takes it over: smtp_forward's enable_outbound stays off),
 * which delivers to [127.0.0.1]:relayPort because smtp_forward's get_mx hook names that next
 * hop for the bench's recipient domain. Outbound writes each queue file with an fsync before
 * the rename and the 250 (docs/performance.md, "Haraka's queue"). `nodes` is smtp.ini's
 * cluster setting: `cpus` forks one worker per core, Haraka's own performance advice.
 */
export function createHaraka(dir: string, smtpPort: number, relayPort: number, nodes = 'cpus') {
  rmSync(dir, { recursive: true, force: true });
  execFileSync(HARAKA_BIN, ['-i', dir], { stdio: 'ignore' });
  const config = join(dir, 'config');
  const queue = join(dir, 'queue');
  const files: Record<string, string> = {
    'smtp.ini': [`listen=127.0.0.1:${smtpPort}`, `nodes=${nodes}`, 'force_shutdown_timeout=20', ''].join('\n'),
    me: 'haraka.bench\n',
    plugins: ['relay', 'queue/smtp_forward', ''].join('\n'),
    'relay.ini': ['[relay]', 'acl=true', ''].join('\n'),
    relay_acl_allow: '127.0.0.0/8\n',
    'smtp_forward.ini': ['[main]', 'enable_outbound=false', `host=127.0.0.1`, `port=${relayPort}`, '', '[example.net]', 'host=127.0.0.1', `port=${relayPort}`, ''].join('\n'),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(config, name), text);
  mkdirSync(queue, { recursive: true });
  let child: ChildProcess | undefined;
  return {
    smtpPort,
    queueDir: queue,
    masterPid: (): number | undefined => (child && child.exitCode === null ? child.pid : undefined),
    async start(): Promise<void> {
      const log = openSync(join(dir, 'haraka.log'), 'a');
      child = spawn(HARAKA_BIN, ['-c', dir], { stdio: ['ignore', log, log] });
      await waitUntil(
        async () => {
          if (child!.exitCode !== null) throw new Error(`haraka exited ${child!.exitCode}; see ${dir}/haraka.log`);
          return portAnswers(smtpPort);
        },
        30_000,
        'haraka greeting',
        100,
      );
    },
    async stop(): Promise<void> {
      if (child) await stopChild(child, 'SIGTERM', 30_000);
      child = undefined;
    },
    /** Queue files still on disk (a complete run leaves none). */
    queued: (): number => readdirSync(queue).filter((f) => !f.startsWith('.')).length,
    remove(): void {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type HarakaInstance = ReturnType<typeof createHaraka>;
