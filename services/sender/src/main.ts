import { runService } from '@mailsort/core';
import { createSenderService } from './sender-service.js';

await runService({
  name: 'sender',
  factory: createSenderService,
  argv: process.argv.slice(2),
  env: process.env,
  exit: (code) => process.exit(code),
  printError: (text) => console.error(text),
});
