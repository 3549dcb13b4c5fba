import { readFileSync } from 'node:fs';
import { MailsortError, mergeUsers, type IngestConfig, type IngestUser } from '@mailsort/core';

export { parseUsersFile } from '@mailsort/core';

/** Users from the config and the users file, by name; a name defined twice is an error. */
export function loadUsers(ingest: Pick<IngestConfig, 'users' | 'users_file'>, readFile: (file: string) => string = (file) => readFileSync(file, 'utf8')): Map<string, IngestUser> {
  if (!ingest.users_file) return mergeUsers(ingest.users, undefined, undefined);
  let text: string;
  try {
    text = readFile(ingest.users_file);
  } catch (error) {
    throw new MailsortError('USERS_FILE_INVALID', `ingest.users_file: cannot read ${ingest.users_file}: ${(error as Error).message}`, { cause: error });
  }
  return mergeUsers(ingest.users, ingest.users_file, text);
}
