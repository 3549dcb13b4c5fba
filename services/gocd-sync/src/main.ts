import { runService } from '@mailsort/core';
import { createGocdSyncService } from './gocd-sync-service.js';

await runService({
  name: 'gocd-sync',
  factory: createGocdSyncService,
  argv: process.argv.slice(2),
  env: process.env,
  exit: (code) => process.exit(code),
  printError: (text) => console.error(text),
});
