import type { Redis } from 'ioredis';
import {
  createAdminContext,
  createAuditLog,
  createConsoleMetrics,
  createMessageIndex,
  createTraceStore,
  keyspaceOf,
  type AdminContext,
  type Config,
  type ConsoleMetrics,
  type Logger,
  type ServiceDeps,
} from '@mailsort/core';
import { createAuth } from './auth.js';
import { createLoginThrottle } from './login-throttle.js';

/** Everything the console's routes read and call: core's stores and operations, the auth, the audit log. */
export function createConsoleContext(initial: Config, redis: Redis, logger: Logger, registry: ServiceDeps['registry']) {
  let config = initial;
  const admin: AdminContext = createAdminContext(config, redis);
  const keyspace = keyspaceOf(config.redis);
  // The console's own keys belong to no message: the global prefix (one Cluster slot).
  const prefix = keyspace.global;
  return {
    get config() {
      return config;
    },
    set config(next: Config) {
      config = next;
      admin.config = next;
    },
    redis,
    logger,
    prefix,
    admin,
    traces: createTraceStore(redis, keyspace),
    index: createMessageIndex(redis, prefix),
    audit: createAuditLog(redis, prefix, config.console.audit_keep),
    auth: createAuth(redis, prefix, () => config.console),
    throttle: createLoginThrottle(),
    metrics: createConsoleMetrics(registry) as ConsoleMetrics,
  };
}

export type ConsoleContext = ReturnType<typeof createConsoleContext>;
