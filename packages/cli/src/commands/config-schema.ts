import { configJsonSchema } from '@mailsort/core';
import type { Io } from '../io.js';
import { parseCommand } from './parse-command.js';

/** `mailsort config-schema`: prints the JSON Schema of the native format for editors. */
export function configSchemaCommand(args: string[], _env: unknown, io: Io): number {
  parseCommand(args, {});
  io.out(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  return 0;
}
