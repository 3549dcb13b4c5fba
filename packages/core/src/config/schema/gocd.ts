import { z } from 'zod';
import { duration } from '../units.js';

export const gocdSchema = z.strictObject({
  /** Base URL including `/go`, e.g. https://gocd.example.com/go */
  url: z.string().url(),
  username: z.string().optional(),
  password: z.string().optional(),
  token: z.string().optional(),
  interval: duration.prefault(30),
});
