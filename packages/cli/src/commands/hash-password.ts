import bcrypt from 'bcryptjs';
import type { Env } from '@mailsort/core';
import type { Io } from '../io.js';
import { parseCommand } from './parse-command.js';

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads one line from the terminal without echoing it. */
function promptHidden(prompt: string, stdin: NodeJS.ReadStream, io: Io): Promise<string> {
  return new Promise((resolve, reject) => {
    io.err(prompt);
    let typed = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const onData = (text: string) => {
      for (const ch of text) {
        if (ch === '\r' || ch === '\n') {
          finish();
          return resolve(typed);
        }
        if (ch === '\u0003') {
          finish();
          return reject(new Error('cancelled'));
        }
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
    };
    stdin.on('data', onData);
  });
}

/**
 * `mailsort hash-password [--cost 10]`: prints the bcrypt hash of a password for
 * `ingest.users[].password_hash`. The password comes from stdin (one trailing newline
 * removed) or, on a terminal, from a prompt asked twice; never from the command line, where
 * it would land in the shell history and the process list.
 */
export async function hashPassword(args: string[], _env: Env, io: Io, stdin: NodeJS.ReadStream = process.stdin): Promise<number> {
  const { values } = parseCommand(args, { cost: { type: 'string', default: '10' } });
  const cost = Number(values.cost);
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) {
    io.err('mailsort hash-password: --cost must be an integer from 4 to 31 (10 is a good default)');
    return 2;
  }
  let password: string;
  if (stdin.isTTY) {
    try {
      password = await promptHidden('Password: ', stdin, io);
      if ((await promptHidden('\nAgain: ', stdin, io)) !== password) {
        io.err('\nmailsort hash-password: the two passwords differ');
        return 1;
      }
      io.err('');
    } catch {
      return 130;
    }
  } else {
    password = (await readAll(stdin)).replace(/\r?\n$/, '');
  }
  if (password === '') {
    io.err('mailsort hash-password: the password is empty');
    return 1;
  }
  io.out(await bcrypt.hash(password, cost));
  return 0;
}
