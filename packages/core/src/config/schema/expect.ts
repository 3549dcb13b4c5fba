import { z } from 'zod';
import { parseAction } from '../../rules/actions.js';
import { checkRule } from '../../rules/check.js';
import { expectationKind } from '../../expectations/kind.js';
import { duration } from '../units.js';
import type { filterSchema as FilterSchema } from './routing.js';

const HOUR = 3600;

/** `host`, or `labels.NAME` of the alert event: what one expectation fans out by. */
export const EXPECT_PER = /^(host|labels\.[A-Za-z0-9_.-]+)$/;

const keywords = z.array(z.string().trim().min(1, 'a keyword cannot be empty')).min(1).optional();

/**
 * One dead-man's switch (docs/guards.md): mail matching `match` is expected at least every
 * `every`, and is missing `grace` after that. Under `routing.expect`, so it reloads with routing.
 */
export function expectationSchema(filterSchema: typeof FilterSchema) {
  return z
    .strictObject({
      name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'use letters, digits, _ . - only (it is a metric label)'),
      /** The same filter a rule has: function/args/events/event. */
      match: filterSchema,
      every: duration,
      grace: duration.prefault(HOUR),
      /** Fan out: one expectation per event host (or label value), each with its own clock. */
      per: z.string().regex(EXPECT_PER, 'per is host or labels.NAME').optional(),
      /** Where the missed / reminder / back-to-normal mail goes (mailto: actions). */
      notify: z.array(z.string()).min(1, 'notify needs at least one mailto: action'),
      /** A mail with one of these words (subject or body, any case) counts as a success ping. */
      success_kw: keywords,
      /** A mail with one of these words counts as a failure ping; it wins over success_kw. */
      failure_kw: keywords,
      /** A reminder this often while still missing or failing; 0 sends none. */
      nag: duration.prefault(0),
    })
    .superRefine((expectation, ctx) => {
      if (expectation.every <= 0) ctx.addIssue({ code: 'custom', path: ['every'], message: 'every must be more than 0' });
      expectation.notify.forEach((text, index) => {
        const action = parseAction(text);
        if ('error' in action) ctx.addIssue({ code: 'custom', path: ['notify', index], message: action.error });
        else if (action.kind !== 'mailto') ctx.addIssue({ code: 'custom', path: ['notify', index], message: 'notify takes mailto: actions only' });
      });
      const kind = expectationKind(expectation.match);
      for (const problem of checkRule({ filter: expectation.match, actions: [] }, { kind, legacy: false })) {
        // checkRule's paths start at the rule (`filter`, …); an expectation calls its filter `match`.
        const [, ...rest] = problem.path;
        ctx.addIssue({ code: 'custom', path: ['match', ...rest], message: problem.message });
      }
    });
}
