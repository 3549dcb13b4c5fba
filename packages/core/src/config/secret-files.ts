import type { ConfigPath } from './yaml-locate.js';

/** Keys whose value may instead be read from a file: `password_file: /run/secrets/x`. */
const SECRET_NAMES = new Set(['password', 'passwd', 'sentinel_password', 'token', 'secret', 'client_secret', 'access_token', 'refresh_token', 'api_key', 'url']);

export type ReadSecretFile = (path: string) => string;

export interface SecretProblem {
  path: ConfigPath;
  message: string;
}

/**
 * Replaces every `<secret>_file: PATH` with `<secret>: <contents>` (one trailing newline
 * removed, as `echo secret > file` leaves one), in place.
 */
export function resolveSecretFiles(value: unknown, read: ReadSecretFile, path: ConfigPath = []): SecretProblem[] {
  const problems: SecretProblem[] = [];
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      problems.push(...resolveSecretFiles(item, read, [...path, index]));
    });
    return problems;
  }
  if (!value || typeof value !== 'object') return problems;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const base = key.endsWith('_file') ? key.slice(0, -'_file'.length) : undefined;
    if (base && SECRET_NAMES.has(base)) {
      const file = record[key];
      if (typeof file !== 'string') {
        problems.push({ path: [...path, key], message: 'expected a file path' });
        continue;
      }
      if (record[base] !== undefined) {
        problems.push({ path: [...path, key], message: `give either ${base} or ${key}, not both` });
        // Reported once, here: the schema must not call the key unknown as well.
        delete record[key];
        continue;
      }
      try {
        record[base] = read(file).replace(/\r?\n$/, '');
        delete record[key];
      } catch (error) {
        problems.push({ path: [...path, key], message: `cannot read ${file}: ${(error as Error).message}` });
        // Reported once, here; the schema must not call the key unknown as well.
        delete record[key];
      }
    } else {
      problems.push(...resolveSecretFiles(record[key], read, [...path, key]));
    }
  }
  return problems;
}
