import { createHash } from 'node:crypto';
import type { AlertSource } from './types.js';

/**
 * The dedup key: a short hash of the source and the alert's stable identity fields (never a
 * time, a counter or a message id), so every mail of one alert and every replica agree.
 */
export function alertKey(source: AlertSource, ...identity: string[]): string {
  const hash = createHash('sha256')
    .update([source, ...identity].join('\u0000'))
    .digest('hex');
  return `${source}-${hash.slice(0, 16)}`;
}
