import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { ingestUserSchema, MailsortError, type IngestConfig, type IngestUser } from '@mailsort/core';

const usersFileSchema = z.union([z.array(ingestUserSchema), z.strictObject({ users: z.array(ingestUserSchema) }).transform((file) => file.users)]);

function problems(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`).join('; ');
}

/** Parses a users file: a YAML list of users, or a mapping with a `users:` list. */
export function parseUsersFile(file: string, text: string): IngestUser[] {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new MailsortError('USERS_FILE_INVALID', `ingest.users_file ${file}: not YAML: ${(error as Error).message}`, { cause: error });
  }
  const parsed = usersFileSchema.safeParse(raw ?? []);
  if (!parsed.success) throw new MailsortError('USERS_FILE_INVALID', `ingest.users_file ${file}: ${problems(parsed.error)}`);
  return parsed.data;
}

/** Users from the config and the users file, by name; a name defined twice is an error. */
export function loadUsers(ingest: Pick<IngestConfig, 'users' | 'users_file'>, readFile: (file: string) => string = (file) => readFileSync(file, 'utf8')): Map<string, IngestUser> {
  const users = new Map<string, IngestUser>(ingest.users.map((user) => [user.username, user]));
  if (!ingest.users_file) return users;
  let text: string;
  try {
    text = readFile(ingest.users_file);
  } catch (error) {
    throw new MailsortError('USERS_FILE_INVALID', `ingest.users_file: cannot read ${ingest.users_file}: ${(error as Error).message}`, { cause: error });
  }
  for (const user of parseUsersFile(ingest.users_file, text)) {
    if (users.has(user.username)) throw new MailsortError('USERS_FILE_INVALID', `ingest.users_file ${ingest.users_file}: user "${user.username}" is defined twice`);
    users.set(user.username, user);
  }
  return users;
}
