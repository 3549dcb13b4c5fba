import { createRequire } from 'node:module';
import type Libmime from 'libmime';

let loaded: typeof Libmime | undefined;

/**
 * libmime, loaded on first use: with its charset tables it is among the largest modules a
 * process loads (docs/performance.md, "Memory"), and only the router needs it for every mail;
 * ingest and the sender call it for a non-ASCII header value or a dead-letter notice, if ever.
 */
export function libmime(): typeof Libmime {
  loaded ??= createRequire(import.meta.url)('libmime') as typeof Libmime;
  return loaded;
}
