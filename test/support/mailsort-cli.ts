import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cliCommand } from '@mailsort/cli';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `mailsort ARGS` as its own process from the repository root, `env` over this process's. */
export function runMailsort(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const { command, args: cliArgs } = cliCommand({ built: true });
  const child = spawn(command, [...cliArgs, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
