import { configJsonSchema } from '@mailsort/core';
import type { Io } from '../io.js';

/** `mailsort config-schema`: prints the JSON Schema of the native format for editors. */
export function configSchemaCommand(_args: string[], _env: unknown, io: Io): number {
  io.out(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  return 0;
}
