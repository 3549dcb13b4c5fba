#!/usr/bin/env node
// In a source checkout run the TypeScript itself, so what runs is what you read; in a built
// image (no src/) run dist/. The re-exec is needed because the workspace packages resolve
// their TypeScript sources only under the "development" export condition.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const built = new URL('../dist/main.js', import.meta.url);

if (existsSync(source) && process.env.MAILSORT_USE_DIST !== '1') {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', source, ...process.argv.slice(2)], { stdio: 'inherit' });
  // Ctrl-C reaches the child through the terminal's process group; SIGTERM is passed on.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 1)));
} else {
  await import(built.href);
}
