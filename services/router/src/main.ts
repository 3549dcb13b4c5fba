import { runService } from '@mailsort/core';
import { createRouterService } from './router-service.js';

await runService({
  name: 'router',
  factory: createRouterService,
  argv: process.argv.slice(2),
  env: process.env,
  exit: (code) => process.exit(code),
  printError: (text) => console.error(text),
});
