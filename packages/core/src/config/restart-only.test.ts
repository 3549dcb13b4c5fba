import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planReload } from './restart-only.js';
import { configSchema, type Config } from './schema/index.js';

const BASE = { upstreams: [{ name: 'default', host: 'a.example.com' }], redis: { prefix: 'one' } };
const TLS = { cert_file: '/c.pem', key_file: '/k.pem' };
// The schema alone: the loader would read the certificate files, and these rows are about keys.
const load = (extra: Record<string, unknown>): Config => configSchema.parse({ ...BASE, ...extra });
const loadTls = (extra: { tls: unknown }): Config => load({ ingest: { tls: extra.tls } });

const ROWS: Array<{ name: string; running: Config; next: Config; kept: string[]; check: (config: Config) => void }> = [
  {
    name: 'routing, upstreams, users and limits change live',
    running: load({}),
    next: load({ routing: { default_upstream: 'b' }, upstreams: [{ name: 'b', host: 'b.example.com' }], ingest: { limits: { max_recipients: 5 } } }),
    kept: [],
    check: (config) => {
      assert.equal(config.routing.default_upstream, 'b');
      assert.equal(config.ingest.limits.max_recipients, 5);
    },
  },
  {
    name: 'a new Redis prefix is kept at the running value',
    running: load({}),
    next: load({ redis: { prefix: 'two' } }),
    kept: ['redis'],
    check: (config) => assert.equal(config.redis.prefix, 'one'),
  },
  {
    name: 'new listener ports need a restart; the rest of the reload applies',
    running: load({}),
    next: load({ ingest: { listeners: [{ port: 2526 }], hostname: 'new.example.com' } }),
    kept: ['ingest.listeners'],
    check: (config) => {
      assert.equal(config.ingest.listeners[0]!.port, 2525);
      assert.equal(config.ingest.hostname, 'new.example.com');
    },
  },
  { name: 'new http ports need a restart', running: load({}), next: load({ http: { ports: { router: 1 } } }), kept: ['http'], check: (config) => assert.equal(config.http.ports.router, 9302) },
  {
    name: 'delivery.stalled_after needs a restart, delivery.retry does not',
    running: load({}),
    next: load({ delivery: { stalled_after: '1m', retry: ['1s'] } }),
    kept: ['delivery.stalled_after'],
    check: (config) => {
      assert.equal(config.delivery.stalled_after, 10_000);
      assert.deepEqual(config.delivery.retry, [1000]);
    },
  },
  { name: 'turning ingest TLS on needs a restart', running: load({}), next: loadTls({ tls: TLS }), kept: ['ingest.tls'], check: (config) => assert.equal(config.ingest.tls, undefined) },
  {
    name: 'new certificate files apply live',
    running: loadTls({ tls: TLS }),
    next: loadTls({ tls: { ...TLS, cert_file: '/new.pem' } }),
    kept: [],
    check: (config) => assert.equal(config.ingest.tls?.cert_file, '/new.pem'),
  },
];

for (const row of ROWS) {
  test(`reload plan: ${row.name}`, () => {
    const plan = planReload(row.running, row.next);
    assert.deepEqual(plan.kept, row.kept);
    row.check(plan.config);
    assert.ok(Object.isFrozen(plan.config.routing), 'the applied config is frozen like a loaded one');
  });
}
