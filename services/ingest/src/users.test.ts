import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MailsortError } from '@mailsort/core';
import { loadUsers, parseUsersFile } from './users.js';

const HASH = '$2b$04$rSvMg2PglZK3cUDIEdMsluAixGjJWzLa4HNhWNzhhbMCDZfnkD0Tq';
const inline = { username: 'alertmanager', password_hash: HASH, allowed_senders: ['alertmanager@example.com'] };

test('users come from the config and the users file together', () => {
  const file = `- username: gocd\n  password_hash: "${HASH}"\n  allowed_senders: ["@ci.example.com"]\n  rate_limit: { messages: 100, per: 1h }\n`;
  const users = loadUsers({ users: [inline], users_file: '/secrets/users.yml' }, () => file);
  assert.deepEqual([...users.keys()], ['alertmanager', 'gocd']);
  assert.deepEqual(users.get('gocd')!.rate_limit, { messages: 100, per: 3_600_000 });
});

test('a users file may also be a mapping with a users: list', () => {
  assert.equal(parseUsersFile('f.yml', `users:\n  - username: a\n    password_hash: "${HASH}"\n    allowed_senders: ["*"]\n`).length, 1);
});

test('a plain password in the users file is refused with the file and the key named', () => {
  assert.throws(
    () => parseUsersFile('/secrets/users.yml', '- username: a\n  password_hash: hunter2\n  allowed_senders: ["*"]\n'),
    (error: unknown) => {
      assert.ok(error instanceof MailsortError);
      assert.equal(error.code, 'USERS_FILE_INVALID');
      assert.match(error.message, /\/secrets\/users\.yml: 0\.password_hash: expected a bcrypt hash/);
      return true;
    },
  );
});

test('a user defined in both places is refused', () => {
  const file = `- username: alertmanager\n  password_hash: "${HASH}"\n  allowed_senders: ["*"]\n`;
  assert.throws(() => loadUsers({ users: [inline], users_file: 'u.yml' }, () => file), /user "alertmanager" is defined twice/);
});

test('an unreadable users file is a USERS_FILE_INVALID error naming the path', () => {
  assert.throws(
    () => loadUsers({ users: [], users_file: '/nope/users.yml' }),
    (error: unknown) => error instanceof MailsortError && error.code === 'USERS_FILE_INVALID' && error.message.includes('/nope/users.yml'),
  );
});
