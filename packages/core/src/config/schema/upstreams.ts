import { z } from 'zod';
import { port } from '../units.js';

export const upstreamSchema = z.strictObject({
  name: z.string().min(1),
  host: z.string().min(1),
  port: port.default(25),
  /** `none`: plain SMTP, never STARTTLS. */
  tls: z.enum(['none', 'starttls', 'starttls-opportunistic', 'implicit']).default('starttls-opportunistic'),
  hello: z.string().optional(),
});

export type UpstreamConfig = z.output<typeof upstreamSchema>;
