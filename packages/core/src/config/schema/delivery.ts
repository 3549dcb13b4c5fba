import { z } from 'zod';
import { duration } from '../units.js';

/** Postfix/Haraka-like: minutes growing to an hour, then hourly until the lifetime ends. */
export const DEFAULT_RETRY_SCHEDULE = ['1m', '5m', '15m', '30m', '1h'];

export const deliverySchema = z.strictObject({
  /** Deliveries one sender process runs at once (across all upstreams). */
  concurrency: z.number().int().positive().default(20),
  /** Delay before each retry; the last one repeats until max_lifetime. */
  retry: z.array(duration).min(1).prefault(DEFAULT_RETRY_SCHEDULE),
  /** A delivery still failing this long after its first attempt fails as expired. */
  max_lifetime: duration.prefault('24h'),
  /** Per-process circuit breaker: after `failures` connection-level failures in a row an upstream is skipped for `open_for`. */
  breaker: z
    .strictObject({
      failures: z.number().int().positive().default(5),
      open_for: duration.prefault('1m'),
    })
    .prefault({}),
  /** How long a chat/webhook POST may take before it counts as a temporary failure. */
  webhook_timeout: duration.prefault('10s'),
  /**
   * A delivery whose sender died is picked up again after this long (BullMQ lock duration and
   * stalled-job check interval).
   */
  stalled_after: duration.prefault('10s'),
  dead_letters: z
    .strictObject({
      /** How long a permanently failed delivery keeps its message for inspection and replay. */
      keep_for: duration.prefault('30d'),
      /**
       * Dead letters reach a human (docs/guards.md): the original with a note saying why goes to
       * the route's on_dead contacts, or to `to` when the route names none, over another path.
       * Never for mail from the null sender `<>`, nor for a notice itself.
       */
      notify: z
        .strictObject({
          /** The global fallback contact (e.g. the postmaster); without it, routes without on_dead notify nobody. */
          to: z.string().email().optional(),
          /** Envelope sender of the notice; '' (the null sender) by default, so a notice never bounces. */
          from: z.string().default(''),
          /**
           * Upstream notices go through. Unset: the first configured upstream other than the one
           * that failed (the failed one only when it is the only upstream). check-config refuses
           * routing.default_upstream here when there is another upstream: it is the path that fails.
           */
          upstream: z.string().optional(),
          /** At most this many notices per contact (address or webhook) per window; the rest are counted and logged. */
          per_contact: z.number().int().positive().default(10),
          window: duration.prefault('1h'),
        })
        .prefault({}),
    })
    .prefault({}),
});

export type DeliveryConfig = z.output<typeof deliverySchema>;
