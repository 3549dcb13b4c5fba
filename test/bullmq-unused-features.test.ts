import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

// patches/bullmq@6.7.0.patch answers reads of the prioritized set and of a job's children sets
// as empty without calling Redis, and its moveToFinished reads no job's parent or deduplication
// id. That holds only while mailsort adds no prioritized job, no flow and no deduplicated job:
// this test fails the day a source file starts to.
const root = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : sources(path);
    return /\.ts$/.test(entry.name) && !/\.(test|d)\.ts$/.test(entry.name) ? [path] : [];
  });
}

test('no mailsort source uses a BullMQ feature the patch assumes away (job priorities, flows, deduplication)', () => {
  const files = ['services', 'packages'].flatMap((dir) => sources(join(root, dir)));
  assert.ok(files.length > 100, `found the sources (${files.length})`);
  const uses = files.flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return [/\bFlowProducer\b/, /\bpriority\s*:/, /\bparent\s*:\s*\{/, /\bchangePriority\b/, /\bdeduplication\s*:/, /\bdebounce\s*:\s*\{/]
      .filter((pattern) => pattern.test(text))
      .map((pattern) => `${relative(root, file)}: ${pattern}`);
  });
  assert.deepEqual(uses, []);
});
