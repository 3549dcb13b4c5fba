import { z } from 'zod';
import { deliverySchema } from './delivery.js';
import { gocdSchema } from './gocd.js';
import { httpSchema } from './http.js';
import { ingestSchema } from './ingest.js';
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
  })
  .superRefine((config, ctx) => {
    // The stored message must outlive its retries, or a delivery still being retried would
    // find it gone and fail as MESSAGE_MISSING.
    if (config.redis.message_ttl < config.delivery.max_lifetime) {
      ctx.addIssue({ code: 'custom', path: ['redis', 'message_ttl'], message: `must be at least delivery.max_lifetime (${config.delivery.max_lifetime / 1000} s)` });
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
  });

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export { upstreamSchema, type UpstreamConfig } from './upstreams.js';
export { PROVIDER_PRESETS, type TlsConfig } from './upstreams.js';
export { DEFAULT_RETRY_SCHEDULE, type DeliveryConfig } from './delivery.js';
export { routingSchema, managerSchema, ruleSchema, filterSchema, GOCD_EVENTS, type ManagerConfig, type RuleConfig, type ExpectationConfig } from './routing.js';
