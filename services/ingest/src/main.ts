import { runService } from '@mailsort/core';
import { createIngestService } from './ingest-service.js';

await runService({
  name: 'ingest',
  factory: createIngestService,
  argv: process.argv.slice(2),
  env: process.env,
  exit: (code) => process.exit(code),
  printError: (text) => console.error(text),
});
