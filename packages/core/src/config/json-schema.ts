import { z } from 'zod';
import { configSchema } from './schema/index.js';

/**
 * The JSON Schema of the native configuration format, for editors (yaml-language-server:
 * `# yaml-language-server: $schema=…/docs/mailsort.schema.json`). Generated from the one zod
 * schema; a test fails when the committed copy drifts. Refinements that JSON Schema cannot
 * express (rule functions, cross-references) are checked by `mailsort check-config`.
 */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'mailsort configuration (native format)',
  };
}
