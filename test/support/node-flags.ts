import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const NAMES = ['NODE_OPTIONS', 'MALLOC_ARENA_MAX'] as const;

/**
 * The Node runtime environment a checkout's image runs every service with, read from its
 * deploy/Dockerfile's `ENV NODE_OPTIONS=…` and `ENV MALLOC_ARENA_MAX=…` lines (where they are
 * defined); a line that is missing is left out. The bench starts its services with them, and
 * a test keeps the k8s manifests in step.
 */
export function nodeEnvOf(root: string): Partial<Record<(typeof NAMES)[number], string>> {
  const text = readFileSync(join(root, 'deploy', 'Dockerfile'), 'utf8');
  const env: Partial<Record<(typeof NAMES)[number], string>> = {};
  for (const name of NAMES) {
    const match = new RegExp(`^ENV ${name}="?([^"\\n]*)"?$`, 'm').exec(text);
    if (match) env[name] = match[1]!.trim();
  }
  return env;
}

/** This checkout's production Node environment; both lines must be there. */
export function productionNodeEnv(): Record<(typeof NAMES)[number], string> {
  const env = nodeEnvOf(ROOT);
  for (const name of NAMES) if (env[name] === undefined) throw new Error(`deploy/Dockerfile has no "ENV ${name}=…" line`);
  return env as Record<(typeof NAMES)[number], string>;
}
