import { cliMain } from './commands/cli-main.js';
import { processIo } from './io.js';

const code = await cliMain(process.argv.slice(2), process.env, processIo);
if (code !== undefined) process.exitCode = code;
