import { z } from 'zod';
import { canarySchema, type CanaryConfig } from './canary.js';
import { consoleSchema } from './console.js';
import { deliverySchema } from './delivery.js';
import { gocdSchema } from './gocd.js';
import { httpSchema } from './http.js';
import { ingestSchema, type IngestConfig, type ListenerConfig } from './ingest.js';
import { redisSchema } from './redis.js';
import { reloadSchema } from './reload.js';
import { routingSchema } from './routing.js';
import { upstreamsSchema } from './upstreams.js';

/** The one schema of mailsort's native configuration format. */
export const configSchema = z
  .strictObject({
    redis: redisSchema.prefault({}),
    http: httpSchema.prefault({}),
    ingest: ingestSchema.prefault({}),
    upstreams: upstreamsSchema,
    routing: routingSchema.prefault({}),
    delivery: deliverySchema.prefault({}),
    gocd: gocdSchema.optional(),
    reload: reloadSchema.prefault({}),
    canary: canarySchema.optional(),
    console: consoleSchema.prefault({}),
  })
  .superRefine((config, ctx) => {
    // The stored message must outlive its retries, or a delivery still being retried would
    // find it gone and fail as MESSAGE_MISSING.
    if (config.redis.message_ttl < config.delivery.max_lifetime) {
      ctx.addIssue({ code: 'custom', path: ['redis', 'message_ttl'], message: `must be at least delivery.max_lifetime (${config.delivery.max_lifetime / 1000} s)` });
    }
    // WAIT must give up before ingest does, or a replica outage reads as STORE_TIMEOUT.
    if (config.redis.min_replicas_acked > 0 && config.redis.replica_ack_timeout >= config.ingest.limits.store_timeout) {
      ctx.addIssue({ code: 'custom', path: ['redis', 'replica_ack_timeout'], message: `must be less than ingest.limits.store_timeout (${config.ingest.limits.store_timeout / 1000} s)` });
    }
    const names = new Set<string>();
    config.upstreams.forEach((upstream, index) => {
      if (names.has(upstream.name)) {
        ctx.addIssue({ code: 'custom', path: ['upstreams', index, 'name'], message: `upstream "${upstream.name}" is defined twice` });
      }
      names.add(upstream.name);
    });
    if (!names.has(config.routing.default_upstream)) {
      ctx.addIssue({
        code: 'custom',
        path: ['routing', 'default_upstream'],
        message: `no upstream is named "${config.routing.default_upstream}" (have: ${[...names].join(', ')})`,
      });
    }
    if (config.canary) checkCanary(config.canary, config, names, ctx);
  });

/** The canary names a listener and an upstream that exist, and sends its password only over TLS. */
function checkCanary(canary: CanaryConfig, config: { ingest: IngestConfig }, upstreams: Set<string>, ctx: z.RefinementCtx): void {
  if (canary.upstream !== undefined && !upstreams.has(canary.upstream)) {
    ctx.addIssue({ code: 'custom', path: ['canary', 'upstream'], message: `no upstream is named "${canary.upstream}" (have: ${[...upstreams].join(', ')})` });
  }
  const listener = canary.listener === undefined ? config.ingest.listeners[0] : config.ingest.listeners.find((candidate) => candidate.name === canary.listener);
  if (!listener) {
    ctx.addIssue({ code: 'custom', path: ['canary', 'listener'], message: `no ingest listener is named "${canary.listener}" (have: ${config.ingest.listeners.map((l) => l.name).join(', ')})` });
    return;
  }
  if (canary.auth && listenerTls(listener, config.ingest) === 'none') {
    ctx.addIssue({ code: 'custom', path: ['canary', 'auth'], message: `listener "${listener.name}" has no TLS, and ingest accepts AUTH only over TLS` });
  }
}

/** What a listener speaks: its `tls`, or STARTTLS when ingest has a certificate and plain SMTP otherwise. */
export function listenerTls(listener: ListenerConfig, ingest: Pick<IngestConfig, 'tls'>): 'none' | 'starttls' | 'implicit' {
  return listener.tls ?? (ingest.tls ? 'starttls' : 'none');
}

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export { upstreamSchema, type UpstreamConfig } from './upstreams.js';
export { PROVIDER_PRESETS, type TlsConfig } from './upstreams.js';
export { DEFAULT_RETRY_SCHEDULE, type DeliveryConfig } from './delivery.js';
export { routingSchema, managerSchema, ruleSchema, filterSchema, GOCD_EVENTS, type ManagerConfig, type RuleConfig, type ExpectationConfig } from './routing.js';
export { canarySchema, type CanaryConfig } from './canary.js';
export { CONSOLE_ROLES, consoleSchema, type ConsoleConfig, type ConsoleRole } from './console.js';
