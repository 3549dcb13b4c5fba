import { z } from 'zod';
import { duration } from '../units.js';

export const gocdSchema = z
  .strictObject({
    /** Base URL including `/go`, e.g. https://gocd.example.com/go */
    url: z.string().url(),
    /** Basic auth (`password_file:` works too). */
    username: z.string().optional(),
    password: z.string().optional(),
    /** A GoCD access token, sent as `Authorization: bearer …` (`token_file:` works too). */
    token: z.string().optional(),
    /**
     * `v1`: GET /api/admin/pipeline_groups (GoCD 18.10+); `legacy`: the unversioned
     * /api/config/pipeline_groups of GoCD before 20.3 (what mail2alert read); `auto`: v1, and
     * legacy when the server answers 404.
     */
    api: z.enum(['auto', 'v1', 'legacy']).default('auto'),
    /** How often gocd-sync polls GoCD, whatever the number of replicas. */
    interval: duration.prefault(30),
    /** How long one request to GoCD may take. */
    timeout: duration.prefault(10),
    /** Seed the BREAKS/FIXED history of stages the router has not seen from /cctray.xml. */
    cctray: z.boolean().default(true),
  })
  .superRefine((gocd, ctx) => {
    if (gocd.token !== undefined && (gocd.username !== undefined || gocd.password !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['token'], message: 'give either token or username/password, not both' });
    }
    if ((gocd.username === undefined) !== (gocd.password === undefined)) {
      ctx.addIssue({ code: 'custom', path: [gocd.username === undefined ? 'username' : 'password'], message: 'username and password go together' });
    }
    if (gocd.interval < 100) ctx.addIssue({ code: 'custom', path: ['interval'], message: 'poll GoCD at most ten times a second' });
  });

export type GocdConfig = z.output<typeof gocdSchema>;
