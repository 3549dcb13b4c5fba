import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { configJsonSchema } from './json-schema.js';

test('the committed docs/mailsort.schema.json is the one generated from the zod schema (run: pnpm schema)', () => {
  const committed = JSON.parse(readFileSync(new URL('../../../../docs/mailsort.schema.json', import.meta.url), 'utf8')) as unknown;
  assert.deepEqual(committed, JSON.parse(JSON.stringify(configJsonSchema())));
});

test('the JSON Schema rejects unknown keys, as the loader does', () => {
  const schema = configJsonSchema() as { additionalProperties?: unknown; properties: Record<string, unknown> };
  assert.equal(schema.additionalProperties, false);
  assert.ok(schema.properties.upstreams && schema.properties.ingest && schema.properties.routing);
});
