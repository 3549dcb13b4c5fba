import type { Env } from '@mailsort/core';
import type { Io } from '../io.js';
import { COMMANDS } from './index.js';
import { runCommand, type Command } from './run-command.js';
import { isServiceName, SERVICES, serviceCommand } from './services.js';

export const USAGE = `usage: mailsort <command> [options]   (mailsort <command> --help for one command)

services (each one OS process; --config FILE or MAILSORT_CONFIG, REDIS_URL, --http-port N):
  ${Object.keys(SERVICES).join(' | ')}

commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${command.usage.startsWith(name) ? '' : `${name} `}${command.usage}`)
  .join('\n')}
  start   the same as dev
`;

/** Every name `mailsort` answers to: the services, the commands and `start`. */
export const COMMAND_NAMES = [...Object.keys(SERVICES), ...Object.keys(COMMANDS), 'start'];

function lookup(name: string | undefined): Command | undefined {
  if (name === 'start') return COMMANDS.dev;
  if (isServiceName(name)) return serviceCommand(name);
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}

/** `mailsort ARGS…`: the exit code, or undefined when a service is now running. */
export async function cliMain(argv: string[], env: Env, io: Io): Promise<number | undefined> {
  const [name, ...args] = argv;
  const found = lookup(name);
  if (found) return runCommand(name!, found, args, env, io);
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.out(USAGE);
    return name === undefined ? 2 : 0;
  }
  io.err(`mailsort: unknown command "${name}"\n\n${USAGE}`);
  return 2;
}
