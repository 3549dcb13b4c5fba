import { createRequire } from 'node:module';
import type Libmime from 'libmime';
import type * as Mailparser from 'mailparser';

const require = createRequire(import.meta.url);

/** A module loaded on its first use and kept: a process that never needs it never holds it. */
function onFirstUse<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(specifier) as T;
    return loaded;
  };
}

// Both are among the largest modules a process loads (docs/performance.md, "Memory"). Only the
// router needs libmime for every mail; ingest and the sender call it for a non-ASCII header value
// or a dead-letter notice, if ever. mailparser serves body rules, explain and webhooks.
export const libmime = onFirstUse<typeof Libmime>('libmime');
export const mailparser = onFirstUse<typeof Mailparser>('mailparser');
