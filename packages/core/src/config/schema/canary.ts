import { z } from 'zod';
import { duration, port } from '../units.js';
import { tlsConfigSchema } from './upstreams.js';

const address = z.string().regex(/^[^@\s<>]+@[^@\s<>]+$/, 'expected an address like canary@example.com');

/**
 * The end-to-end canary (docs/guards.md): every `every`, one probe mail goes in through an
 * ingest listener as a client would send it, through the router and the sender, to `to` at
 * `upstream`; the upstream's 250 ends the probe.
 */
export const canarySchema = z
  .strictObject({
    /** How often a probe is sent, whatever the number of sender replicas. */
    every: duration.prefault('1m'),
    /** The ingest listener to probe, by name; the first listener when unset. */
    listener: z.string().min(1).optional(),
    /** Where to reach that listener (e.g. the ingest Service's name); the listener's host when unset, loopback for a wildcard. */
    host: z.string().min(1).optional(),
    /** The port to connect to; the listener's port when unset. */
    port: port.optional(),
    /** How to verify the listener's certificate when it speaks TLS. */
    tls_config: tlsConfigSchema.prefault({}),
    /** AUTH for a client outside ingest.trusted_networks (`password_file:` works too); needs a TLS listener. */
    auth: z.strictObject({ user: z.string().min(1), password: z.string() }).optional(),
    /** Envelope sender of the probe; `canary@<ingest.hostname>` when unset. */
    from: address.optional(),
    /** The mailbox the probe is delivered to; no team ever gets it. */
    to: address,
    /** The upstream the probe must reach; routing.default_upstream when unset. */
    upstream: z.string().min(1).optional(),
  })
  .refine((canary) => canary.every >= 1000, { path: ['every'], message: 'probe at most once a second' });

export type CanaryConfig = z.output<typeof canarySchema>;
