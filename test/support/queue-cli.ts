import { spawn } from 'node:child_process';
import { cliCommand } from '@mailsort/cli';
import { queue } from '../../packages/cli/src/commands/queue.js';
import { REDIS_URL } from './redis.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** `mailsort queue …` in this process, with its output captured. */
export async function queueCommand(configFile: string, ...args: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const code = await queue([...args, '--config', configFile], { REDIS_URL }, { out: (text) => (out += `${text}\n`), err: (text) => (err += `${text}\n`) });
  return { code, out, err };
}

/** The real `mailsort queue …` command as its own process. */
export function queueProcess(configFile: string, ...args: string[]): Promise<CliResult> {
  const { command, args: cliArgs } = cliCommand({ built: true });
  const child = spawn(command, [...cliArgs, 'queue', ...args, '--config', configFile], { env: { ...process.env, REDIS_URL }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code: code ?? 1, out, err })));
}
