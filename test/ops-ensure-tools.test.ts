import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../scripts/ensure-tools.sh', import.meta.url));

/** A directory of stub commands, each a shell script; put first on PATH. */
function stubs(scripts: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailsort-tools-'));
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

function checkOnly(dir: string, tools: string[]) {
  const result = spawnSync('bash', [SCRIPT, '--check-only', ...tools], { encoding: 'utf8', env: { PATH: `${dir}:/usr/bin:/bin` }, timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const SWAKS_WITHOUT_TLS = "echo '=== Basic AUTH supported'; echo '*** TLS not available: requires Net::SSLeay'";
const SWAKS_OK = "echo '=== Basic AUTH supported'; echo '=== TLS supported'";

const cases = [
  {
    name: 'swaks installed without its Recommends (no Net::SSLeay)',
    tool: 'swaks',
    stub: SWAKS_WITHOUT_TLS,
    names: /swaks does not work: swaks has no STARTTLS: .*Net::SSLeay; install it with: apt-get install -y swaks libnet-ssleay-perl libio-socket-ssl-perl/,
  },
  {
    name: 'msmtp built without TLS',
    tool: 'msmtp',
    stub: "echo 'msmtp version 1.8'; echo 'TLS/SSL library: none'",
    names: /msmtp does not work: msmtp was built without TLS; install it with: apt-get install -y msmtp/,
  },
  { name: 'a promtool that exits 1', tool: 'promtool', stub: 'exit 1', names: /promtool does not work: promtool --version failed; install it with: apt-get install -y prometheus/ },
  { name: 'a kubectl that exits 1', tool: 'kubectl', stub: 'exit 1', names: /kubectl does not work: .*apt-get install -y kubernetes-client/ },
];

for (const { name, tool, stub, names } of cases) {
  test(`regression: ensure-tools stops at once, naming the tool and the package, on ${name}`, () => {
    // The tool after the broken one records being asked: it must not be.
    const dir = stubs({ [tool]: stub, 'redis-server': `touch "$(dirname "$0")/asked"; echo 'Redis server v=7'` });
    const result = checkOnly(dir, [tool, 'redis-server']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, names);
    assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
    assert.equal(existsSync(join(dir, 'asked')), false, 'stopped before checking the next tool');
  });
}

test('ensure-tools --check-only passes when every tool works, and installs nothing', () => {
  const dir = stubs({
    swaks: SWAKS_OK,
    msmtp: "echo 'TLS/SSL library: GnuTLS'",
    'redis-server': "echo 'Redis server v=7'",
    'apt-get': `touch "$(dirname "$0")/installed"`,
    pnpm: `touch "$(dirname "$0")/installed"`,
  });
  const result = checkOnly(dir, ['swaks', 'msmtp', 'redis-server', 'openssl']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(existsSync(join(dir, 'installed')), false);
});

test('ensure-tools refuses a tool it does not know', () => {
  const result = checkOnly(stubs({}), ['nmap']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /unknown tool 'nmap'/);
});
