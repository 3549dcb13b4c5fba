import { runService } from '@mailsort/core';
import { COMMANDS } from './commands/index.js';
import { isServiceName, SERVICES } from './commands/services.js';
import { processIo } from './io.js';

const USAGE = `usage: mailsort <command> [options]

services (each one OS process; --config FILE or MAILSORT_CONFIG, REDIS_URL, --http-port N):
  ingest | router | sender | gocd-sync

commands:
${Object.entries(COMMANDS).map(([name, command]) => `  ${command.usage.startsWith(name) ? '' : `${name} `}${command.usage}`).join('\n')}
  start   the same as dev
`;

const [command, ...args] = process.argv.slice(2);
const found = command === 'start' ? COMMANDS.dev : command === undefined ? undefined : COMMANDS[command];

if (isServiceName(command)) {
  await runService({
    name: command, factory: SERVICES[command], argv: args, env: process.env,
    exit: (code) => process.exit(code), printError: (text) => processIo.err(text),
  });
} else if (found) {
  process.exitCode = await found.run(args, process.env, processIo);
} else if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
  processIo.out(USAGE);
  process.exitCode = command === undefined ? 2 : 0;
} else {
  processIo.err(`mailsort: unknown command "${command}"\n\n${USAGE}`);
  process.exitCode = 2;
}
