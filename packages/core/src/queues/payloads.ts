import { z } from 'zod';

// An envelope address goes into MAIL FROM:<…> / RCPT TO:<…> as it is: no control character
// and no angle bracket may reach the wire (a `>\r\nRCPT TO:<x` would add a recipient).
const envelopeAddress = z.string().regex(/^[^\x00-\x1f\x7f<>]*$/, 'an envelope address may not contain control characters or angle brackets');

export const envelopeSchema = z.object({
  /** Envelope sender; '' for the null sender `<>`. */
  from: envelopeAddress,
  to: z.array(envelopeAddress.min(1)).min(1),
});

export const clientSchema = z.object({
  address: z.string(),
  hostname: z.string().optional(),
  helo: z.string().optional(),
  tls: z.boolean(),
  user: z.string().optional(),
});

/** ingest → router: one accepted message. */
export const routeJobSchema = z.object({
  v: z.literal(1),
  id: z.string(),
  envelope: envelopeSchema,
  client: clientSchema,
  acceptedAt: z.number(),
  size: z.number().int().nonnegative(),
  /** The raw header block as received (latin1), so header-only rules need not read the body. */
  headers: z.string(),
});

export const headerRewritesSchema = z.object({
  /** Headers to replace (removed wherever they stand, then added once at the top). */
  set: z.record(z.string(), z.string()).default({}),
  remove: z.array(z.string()).default([]),
});

/**
 * Who hears of a delivery's dead letter (a route's on_dead, resolved by the router): addresses
 * the sender mails over another upstream, or a webhook. Absent (every job made before on_dead
 * existed too): the global fallback, delivery.dead_letters.notify.to.
 */
export const deadContactSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('mailto'), to: z.array(envelopeAddress.min(1)).min(1) }),
  z.object({ kind: z.literal('webhook'), url: z.string(), format: z.enum(['slack', 'json']), style: z.enum(['brief', 'full']).default('brief') }),
]);

const onDead = z.array(deadContactSchema).optional();

export const smtpDestinationSchema = z.object({
  kind: z.literal('smtp'),
  upstream: z.string(),
  envelope: envelopeSchema,
  rewrites: headerRewritesSchema.optional(),
  onDead,
});

/**
 * A chat/webhook action. `slack`: a Slack-compatible `{text, attachments}` body (brief: the
 * subject and the first body line; full: the whole body, as mail2alert's slack action did);
 * `json`: mailsort's own JSON document about the message.
 */
export const webhookDestinationSchema = z.object({
  kind: z.literal('webhook'),
  url: z.string(),
  format: z.enum(['slack', 'json']),
  style: z.enum(['brief', 'full']).default('brief'),
  onDead,
});

export const destinationSchema = z.discriminatedUnion('kind', [smtpDestinationSchema, webhookDestinationSchema]);

/** router → sender: one delivery of one stored message to one destination. */
export const deliverJobSchema = z.object({
  v: z.literal(1),
  id: z.string(),
  deliveryId: z.string(),
  acceptedAt: z.number(),
  /** The envelope as ingest accepted it, so a failed message can be replayed through the router. */
  original: envelopeSchema,
  destination: destinationSchema,
  /** True for a dead-letter notice: if it dies too, nobody is told again (no loops). */
  notice: z.literal(true).optional(),
  /** The canary probe this delivery is (docs/guards.md): sent once, counted only by the canary. */
  canary: z.string().optional(),
});

/** router → router: flush one alert group, if its flush number is still `seq` (docs/alerts.md). */
export const flushJobSchema = z.object({
  v: z.literal(1),
  groupId: z.string(),
  seq: z.number().int().nonnegative(),
});

export type FlushJob = z.infer<typeof flushJobSchema>;

/** router → router: send the digest of one flood-control bucket's window (docs/guards.md). */
export const digestJobSchema = z.object({
  v: z.literal(1),
  bucket: z.string(),
  window: z.number().int().nonnegative(),
});
export type Envelope = z.infer<typeof envelopeSchema>;
export type ClientInfo = z.infer<typeof clientSchema>;
export type RouteJob = z.infer<typeof routeJobSchema>;
export type HeaderRewrites = z.infer<typeof headerRewritesSchema>;
export type Destination = z.infer<typeof destinationSchema>;
export type DeliverJob = z.infer<typeof deliverJobSchema>;
export type DeadContact = z.infer<typeof deadContactSchema>;
