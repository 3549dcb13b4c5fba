import { z } from 'zod';
import { port } from '../units.js';

export const httpSchema = z.strictObject({
  host: z.string().default('0.0.0.0'),
  /** The health and metrics port of each service (`--http-port` overrides it per process). */
  ports: z
    .strictObject({
      ingest: port.default(9301),
      router: port.default(9302),
      sender: port.default(9303),
      gocd_sync: port.default(9304),
    })
    .prefault({}),
});
