#!/usr/bin/env node
// Runs every *.test.ts under packages/, services/ and test/ with node's test runner, against
// the Redis at REDIS_URL (default 127.0.0.1:6379), starting a private redis-server if none answers.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function findTests(dir, found = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, found);
    else if (name.endsWith('.test.ts')) found.push(relative(root, path));
  }
  return found;
}

function answers(port, host) {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host }, () => socket.write('PING\r\n'));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.on('error', () => resolve(false));
  });
}

const env = { ...process.env };
const url = new URL(env.REDIS_URL ?? 'redis://127.0.0.1:6379');
let privateRedis;
if (!(await answers(Number(url.port || 6379), url.hostname))) {
  if (spawnSync('redis-server', ['--version']).error) {
    console.error('No Redis answers at %s and redis-server is not installed: sudo apt-get install -y redis-server', url.href);
    process.exit(1);
  }
  const port = 16379;
  privateRedis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 50 && !(await answers(port, '127.0.0.1')); i++) await new Promise((r) => setTimeout(r, 100));
  env.REDIS_URL = `redis://127.0.0.1:${port}`;
  console.log(`tests use a private redis-server at ${env.REDIS_URL}`);
}

// Tests spawn services and the CLI from their built dist/ (as production runs them: half the
// start-up CPU of tsx, and the suite starts hundreds of them), so build first; tsc -b is
// incremental and takes about a second when nothing changed.
const build = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/cli'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.error('the build failed (tsc -b packages/cli): tests would run an old dist/');
  process.exit(1);
}

// The files that run for minutes start first, so that the short ones fill the other slots
// around them instead of one long file running alone at the end (measured: the suite's wall
// time is otherwise set by whichever of these the alphabet puts last).
const SLOW_FIRST = [
  'test/fault-process-kills.test.ts',
  'test/fault-rolling-restart.test.ts',
  'test/guards-flood-control.test.ts',
  'test/alerts-grouping.test.ts',
  'test/cli-check-config.test.ts',
  'test/expectations-deadman.test.ts',
  'test/fault-upstream-outage.test.ts',
  'test/canary.test.ts',
  'test/redis-sentinel-failover.test.ts',
  'test/redis-cluster.test.ts',
  'test/console-browser.test.ts',
];
const slowRank = (file) => (SLOW_FIRST.includes(file) ? SLOW_FIRST.indexOf(file) : SLOW_FIRST.length);
const files = ['packages', 'services', 'test']
  .flatMap((dir) => findTests(join(root, dir)))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort()
  .sort((a, b) => slowRank(a) - slowRank(b));
const child = spawn(
  process.execPath,
  [
    '--conditions=development',
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${env.TEST_CONCURRENCY ?? 3}`,
    '--test-timeout=300000',
    '--test-reporter=tap',
    '--test-reporter-destination=stdout',
    '--test-reporter=./scripts/slowest-files.mjs',
    '--test-reporter-destination=stdout',
    ...files,
  ],
  {
    cwd: root,
    env,
    stdio: 'inherit',
  },
);
child.on('exit', (code, signal) => {
  privateRedis?.kill();
  process.exit(code ?? (signal ? 1 : 0));
});
