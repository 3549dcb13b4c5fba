import { runService } from '@mailsort/core';
import { createConsoleService } from './console-service.js';

await runService({
  name: 'console',
  factory: createConsoleService,
  argv: process.argv.slice(2),
  env: process.env,
  exit: (code) => process.exit(code),
  printError: (text) => console.error(text),
});
