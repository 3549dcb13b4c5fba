import { z } from 'zod';
import { port } from '../units.js';

export const httpSchema = z.strictObject({
  /** Loopback unless configured: /metrics and /readyz are for the scraper beside the process, not the network (compose and k8s set 0.0.0.0). */
  host: z.string().default('127.0.0.1'),
  /** The health and metrics port of each service (`--http-port` overrides it per process). */
  ports: z
    .strictObject({
      ingest: port.default(9301),
      router: port.default(9302),
      sender: port.default(9303),
      gocd_sync: port.default(9304),
      console: port.default(9305),
    })
    .prefault({}),
});
