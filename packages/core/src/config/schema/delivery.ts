import { z } from 'zod';

export const deliverySchema = z.strictObject({
  /** Deliveries one sender process runs at once. */
  concurrency: z.number().int().positive().default(20),
});
