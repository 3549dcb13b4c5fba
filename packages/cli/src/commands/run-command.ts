import type { Env } from '@mailsort/core';
import type { Io } from '../io.js';
import { HelpRequested, isUsageError } from './parse-command.js';

export interface Command {
  usage: string;
  /** The exit code; undefined for a service, which exits by itself when it stops. */
  run(args: string[], env: Env, io: Io): number | undefined | Promise<number | undefined>;
}

/**
 * Runs one command with the handling every command shares: `--help`/`-h` prints its usage
 * (exit 0); a wrong option prints one line naming it and the usage (exit 2), never a stack.
 */
export async function runCommand(name: string, command: Command, args: string[], env: Env, io: Io): Promise<number | undefined> {
  try {
    return await command.run(args, env, io);
  } catch (error) {
    if (error instanceof HelpRequested) {
      io.out(`usage: mailsort ${command.usage}`);
      return 0;
    }
    if (!isUsageError(error)) throw error;
    io.err(`mailsort ${name}: ${oneLine(error.message)}\nusage: mailsort ${command.usage}`);
    return 2;
  }
}

/** parseArgs' message, without its advice on positionals that start with '-'. */
function oneLine(message: string): string {
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  return unknown ? `unknown option ${unknown[1]}` : message.split('\n')[0]!;
}
