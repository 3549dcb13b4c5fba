import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Writes a configuration object as YAML to a fresh temp file and returns its path. */
export function writeConfigFile(config: unknown, name = 'mailsort.yml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailsort-test-'));
  const file = join(dir, name);
  writeFileSync(file, typeof config === 'string' ? config : stringify(config));
  return file;
}
