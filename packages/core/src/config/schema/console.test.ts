import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../load-config.js';

const HASH = '$2b$04$rSvMg2PglZK3cUDIEdMsluAixGjJWzLa4HNhWNzhhbMCDZfnkD0Tq';
const TOKEN = 'a'.repeat(40);

function problemsOf(consoleSection: string): string[] {
  try {
    loadConfig({ file: 'm.yml', text: `upstreams: [{ name: default, host: mx }]\n${consoleSection}` }, {});
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.line}: ${p.key}: ${p.message}`);
    throw error;
  }
  return [];
}

const CASES: Array<{ name: string; section: string; expected: RegExp[] }> = [
  {
    name: 'a plain password',
    section: 'console:\n  users:\n    - { name: alice, password_hash: secret, role: admin }\n',
    expected: [/^4: console\.users\[0\]\.password_hash: expected a bcrypt hash/],
  },
  { name: 'an unknown role', section: `console:\n  users:\n    - { name: alice, password_hash: "${HASH}", role: root }\n`, expected: [/^4: console\.users\[0\]\.role: /] },
  { name: 'a short token', section: 'console:\n  tokens:\n    - { name: ci, token: short, role: read-only }\n', expected: [/^4: console\.tokens\[0\]\.token: at least 32 characters/] },
  {
    name: 'one name for a user and a token',
    section: `console:\n  users:\n    - { name: alice, password_hash: "${HASH}", role: admin }\n  tokens:\n    - { name: alice, token: ${TOKEN}, role: read-only }\n`,
    expected: [/^6: console\.tokens\[0\]\.name: "alice" is defined twice/],
  },
  {
    name: 'a name with a space (it goes into the audit log)',
    section: `console:\n  users:\n    - { name: "al ice", password_hash: "${HASH}", role: admin }\n`,
    expected: [/^4: console\.users\[0\]\.name: letters, digits/],
  },
  { name: 'an unknown key', section: 'console:\n  listen: 0.0.0.0\n', expected: [/console/] },
  { name: 'a bad session_ttl', section: 'console:\n  session_ttl: forever\n', expected: [/^3: console\.session_ttl: "forever" is not a duration/] },
  { name: 'a public host with a scheme', section: 'console:\n  public_hosts: ["https://console.example.com"]\n', expected: [/^3: console\.public_hosts\[0\]: a host name or host:port/] },
  { name: 'a cookie_secure that is not a boolean', section: 'console:\n  cookie_secure: maybe\n', expected: [/console\.cookie_secure/] },
];

for (const { name, section, expected } of CASES) {
  test(`check-config refuses a console section with ${name}, at its line`, () => {
    const problems = problemsOf(section);
    assert.equal(problems.length, expected.length, problems.join('\n'));
    for (const [index, pattern] of expected.entries()) assert.match(problems[index]!, pattern);
  });
}

test('the console defaults to loopback, port 8080, an 8 hour session and nobody to log in; a token_file is read like every secret', () => {
  const { config } = loadConfig({ file: 'm.yml', text: 'upstreams: [{ name: default, host: mx }]\n' }, {});
  assert.deepEqual({ ...config.console }, { host: '127.0.0.1', port: 8080, users: [], tokens: [], session_ttl: 8 * 3_600_000, session_max_age: 12 * 3_600_000, public_hosts: [], audit_keep: 1000 });
  assert.equal(config.http.ports.console, 9305);
  const withFile = loadConfig(
    { file: 'm.yml', text: 'upstreams: [{ name: default, host: mx }]\nconsole:\n  tokens:\n    - { name: ci, token_file: /run/secrets/t, role: read-only }\n' },
    {},
    () => `${TOKEN}\n`,
  );
  assert.equal(withFile.config.console.tokens[0]!.token, TOKEN);
});
