import { z } from 'zod';
import { duration } from '../units.js';

export const reloadSchema = z.strictObject({
  /** Reload when the config file, the TLS certificate or the users file changes (as `--watch-config`). */
  watch: z.boolean().default(false),
  /** Changes closer together than this make one reload (an ACME client writes cert and key apart). */
  debounce: duration.prefault('500ms'),
});
