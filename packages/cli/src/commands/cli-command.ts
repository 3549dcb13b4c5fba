import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * How to start this same CLI as a child: the TypeScript sources in a checkout, dist/ when
 * built, or dist/ on request (`built: true`, as production runs; it must have been built).
 */
export function cliCommand({ built = false }: { built?: boolean } = {}): { command: string; args: string[] } {
  const self = fileURLToPath(import.meta.url);
  const fromSource = self.endsWith('.ts');
  if (fromSource && !built) return { command: process.execPath, args: ['--conditions=development', '--import', 'tsx', resolve(self, '..', '..', 'main.ts')] };
  const cliRoot = resolve(self, '..', '..', ...(fromSource ? ['..'] : []));
  return { command: process.execPath, args: [resolve(cliRoot, fromSource ? 'dist' : '', 'main.js')] };
}
