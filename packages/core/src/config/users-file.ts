import { parse } from 'yaml';
import { z } from 'zod';
import { MailsortError } from '../errors.js';
import { ingestUserSchema, type IngestUser } from './schema/ingest.js';

const usersFileSchema = z.union([z.array(ingestUserSchema), z.strictObject({ users: z.array(ingestUserSchema) }).transform((file) => file.users)]);

function problems(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`).join('; ');
}

/**
 * Parses an `ingest.users_file`: a YAML list of users, or a mapping with a `users:` list.
 * The loader checks it with this and ingest loads it with this, so what `check-config` accepts
 * is what ingest starts with.
 */
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
export function mergeUsers(configured: readonly IngestUser[], file: string | undefined, text: string | undefined): Map<string, IngestUser> {
  const users = new Map<string, IngestUser>(configured.map((user) => [user.username, user]));
  if (file === undefined || text === undefined) return users;
  for (const user of parseUsersFile(file, text)) {
    if (users.has(user.username)) throw new MailsortError('USERS_FILE_INVALID', `ingest.users_file ${file}: user "${user.username}" is defined twice`);
    users.set(user.username, user);
  }
  return users;
}
