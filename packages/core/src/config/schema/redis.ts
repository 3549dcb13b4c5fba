import { z } from 'zod';
import { duration } from '../units.js';

export const redisSchema = z.strictObject({
  /** REDIS_URL in the environment overrides this. */
  url: z.string().default('redis://127.0.0.1:6379'),
  /** Key prefix for queues and stored messages; several installations can share one Redis. */
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'use letters, digits, _ . - only')
    .default('mailsort'),
  /** Safety-net expiry of a stored message; normally it is deleted when its last delivery ends. */
  message_ttl: duration.prefault(7 * 86400),
  /** How long routing decisions stay readable by `mailsort trace`. */
  trace_ttl: duration.prefault(7 * 86400),
});
