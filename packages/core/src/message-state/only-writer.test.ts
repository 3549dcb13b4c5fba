import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

// The message lifecycle owns a message's keys (msg, pending, finished, delivered, delivery
// record, trace). Outside it only the key catalogue and these readers may name them, and they only read.
const root = new URL('../../../../', import.meta.url).pathname;
const OWNER = 'packages/core/src/message-state/';
const READERS = ['packages/core/src/store/keys.ts', 'packages/core/src/store/message-store.ts', 'packages/core/src/store/delivery-state.ts', 'packages/core/src/store/trace-store.ts'];
const MESSAGE_KEY = /\.(message|pending|finished|delivered|deliveryState|trace)\(|:msg:|:delivered:|:delivery:|:trace:/;
const WRITE = /\.(set|setex|append|del|unlink|hset|hsetnx|hdel|hincrby|rpush|lpush|sadd|srem|incr|decr|expire|pexpire|multi|pipeline|eval|evalsha)\(|redisScript\(/i;

function sources(dir: string, found: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, found);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) found.push(relative(root, path));
  }
  return found;
}

const files = ['packages', 'services'].flatMap((top) => sources(join(root, top))).filter((file) => file.includes('/src/'));

test('no source outside the message lifecycle names a message key, except the read-only stores', () => {
  const offenders = files.filter((file) => !file.startsWith(OWNER) && !READERS.includes(file) && MESSAGE_KEY.test(readFileSync(join(root, file), 'utf8')));
  assert.deepEqual(offenders, []);
});

test('the stores that read a message, its record and its trace write nothing', () => {
  for (const file of READERS) assert.doesNotMatch(readFileSync(join(root, file), 'utf8'), WRITE, file);
});

test('the check sees the services and the CLI (it would catch a writer there)', () => {
  for (const file of [
    'services/sender/src/deliver-job.ts',
    'services/router/src/router-service.ts',
    'services/ingest/src/accept-message.ts',
    'packages/core/src/admin/queue-operations.ts',
    'services/console/src/console-service.ts',
  ]) {
    assert.ok(files.includes(file), file);
  }
  assert.match('redis.del(keys.pending(id))', MESSAGE_KEY);
  assert.match('redis.del(keys.pending(id))', WRITE);
});
