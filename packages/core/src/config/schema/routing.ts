import { z } from 'zod';
import { checkActions, checkRule } from '../../rules/check.js';
import { ALERT_SEVERITIES, ALERT_SOURCES, ALERT_STATUSES } from '../../alerts/types.js';
import { GOCD_EVENT_NAMES } from '../../rules/types.js';
import { GROUP_FIELD } from '../../alerts/grouping/group-identity.js';
import { duration, rate } from '../units.js';
import { expectationSchema } from './expect.js';

export const GOCD_EVENTS = GOCD_EVENT_NAMES;

function oneOrMany<T extends readonly [string, ...string[]]>(values: T, what: string) {
  const value = z.enum(values, { message: `unknown ${what} (known: ${values.join(', ')})` });
  return z.union([value, z.array(value).min(1)], { message: `a ${what} or a list of them (known: ${values.join(', ')})` });
}

/** Matches the message's alert event (docs/alerts.md): every key given must match, a list is any of. */
export const eventFilterSchema = z.strictObject({
  status: oneOrMany(ALERT_STATUSES, 'event status').optional(),
  severity: oneOrMany(ALERT_SEVERITIES, 'event severity').optional(),
  source: oneOrMany(ALERT_SOURCES, 'event source').optional(),
  labels: z.record(z.string().min(1), z.union([z.string(), z.array(z.string()).min(1)])).optional(),
});

export const filterSchema = z.strictObject({
  /** Required unless `event` is given (check.ts says so with the rule's path). */
  function: z.string().min(1).optional(),
  args: z.array(z.union([z.string(), z.number()]).transform(String)).default([]),
  events: z.array(z.enum(GOCD_EVENTS)).optional(),
  event: eventFilterSchema.optional(),
});

const MINUTE = 60;
const HOUR = 3600;

/** Alertmanager's route knobs with its defaults, and what its users ask for (docs/alerts.md). */
export const groupingSchema = z
  .strictObject({
    /** Event fields the group is made of: key, source, severity, host, labels.NAME; [] is one group for the route. */
    group_by: z.array(z.string().regex(GROUP_FIELD, 'a group_by field is key, source, severity, host or labels.NAME')).default(['key']),
    group_wait: duration.prefault(30),
    group_interval: duration.prefault(5 * MINUTE),
    repeat_interval: duration.prefault(4 * HOUR),
    /** Repeats that slow down: the delays after the first notification, the last one repeating. */
    repeat_backoff: z.array(duration).min(1).optional(),
    /** A resolve waits this long (a re-fire inside it cancels it); 0 sends it at once. */
    resolve_hold: duration.prefault(0),
    /** After every alert of a group resolved and stayed quiet this long, the next mail starts a new thread. */
    new_thread_after: duration.prefault(HOUR),
    flapping: z
      .union([
        z.literal(false),
        z
          .strictObject({
            /** Flapping when its state changed more than this many times in the window. */
            changes: z.number().int().min(2).default(6),
            /** Settled again at or below this many changes in the window. */
            settle_at: z.number().int().min(0).default(2),
            window: duration.prefault(HOUR),
          })
          .refine((flap) => flap.settle_at < flap.changes, { message: 'settle_at must be below changes', path: ['settle_at'] }),
      ])
      .prefault({}),
    /** The subject of follow-ups in a thread; {first_subject} and {subject} are replaced. */
    followup_subject: z.string().min(1).default('Re: {first_subject}'),
  })
  .superRefine((grouping, ctx) => {
    if (grouping.group_interval <= 0) ctx.addIssue({ code: 'custom', path: ['group_interval'], message: 'group_interval must be more than 0' });
    if (grouping.repeat_interval < grouping.group_interval) ctx.addIssue({ code: 'custom', path: ['repeat_interval'], message: 'repeat_interval must be at least group_interval' });
    grouping.repeat_backoff?.forEach((delay, index) => {
      if (delay <= 0) ctx.addIssue({ code: 'custom', path: ['repeat_backoff', index], message: 'a repeat delay must be more than 0' });
    });
  });

/** At most `limit` mails to one destination per window; the rest held and sent as one digest at the window's end (docs/guards.md). */
export const floodControlSchema = z.strictObject({
  limit: rate,
  /** `destination`: one bucket per team address or webhook, shared by every route to it; `route`: one per route and destination. */
  per: z.enum(['destination', 'route']).default('destination'),
  /** A digest attaches this many held mails at most; the rest are listed with their ids (`mailsort queue show`). */
  attach_max: z.number().int().min(0).max(200).default(20),
});

/** Per rule or manager: group, dedup and thread alert mail (docs/alerts.md); flood control (docs/guards.md). */
const alertingKeys = {
  grouping: groupingSchema.optional(),
  /** One mail thread per alert; on by default when grouping is on. */
  threading: z.boolean().optional(),
  flood_control: floodControlSchema.optional(),
};

export const actionSchema = z.string().regex(/^[a-z][a-z0-9+.-]*:.+$/i, 'an action is a URI such as mailto:team@example.com');

export const ruleSchema = z.strictObject({
  name: z.string().optional(),
  /** mail2alert shows it in logs only. */
  owner: z.string().optional(),
  actions: z.array(actionSchema).default([]),
  filter: filterSchema,
  /** Who hears of this rule's dead letters (docs/guards.md); the manager's on_dead when unset. */
  on_dead: z.array(actionSchema).optional(),
  ...alertingKeys,
  /** This rule's mails go through flood control at once (still counted against the bucket), as critical ones always do. */
  bypass_flood_control: z.boolean().optional(),
});

const addressOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** mail2alert's `messages-we-want`: the envelope recipient(s) or sender(s) a manager claims. */
export const wantSchema = z.strictObject({ to: addressOrList.optional(), from: addressOrList.optional() }).refine((want) => want.to !== undefined || want.from !== undefined, 'give `to` or `from`');

export const webhookSchema = z.strictObject({
  /** What `slack:NAME` / `webhook:NAME` actions refer to. */
  name: z.string().regex(/^[A-Za-z0-9_.#-]+$/, 'use letters, digits, _ . # - only'),
  /** The incoming-webhook URL; a secret, so `url_file:` works too. */
  url: z.string().url(),
});

export const managerSchema = z.strictObject({
  name: z.string().min(1),
  kind: z.enum(['gocd', 'mail']),
  messages_we_want: wantSchema,
  rules: z.array(ruleSchema).default([]),
  /** Used when a rule cannot be evaluated; overrides routing.fallback_actions. */
  fallback_actions: z.array(actionSchema).optional(),
  /**
   * The envelope recipients of a claimed message that messages_we_want.to does not name:
   * `deliver` them unchanged to the default upstream (as if no manager wanted them), or `drop`
   * them, counted, as mail2alert did.
   */
  other_recipients: z.enum(['deliver', 'drop']).default('deliver'),
  /** Who hears of a dead letter of this manager's deliveries (docs/guards.md); delivery.dead_letters.notify.to when unset. */
  on_dead: z.array(actionSchema).optional(),
  ...alertingKeys,
});

export const routingSchema = z
  .strictObject({
    /** The upstream that gets mail no manager wants, and every delivery without its own upstream. */
    default_upstream: z.string().default('default'),
    managers: z.array(managerSchema).default([]),
    webhooks: z.array(webhookSchema).default([]),
    /** Where a message goes when one of its manager's rules could not be evaluated (see docs/routing.md). */
    fallback_actions: z.array(actionSchema).default([]),
    /** Dead-man's switches: mail that must keep arriving (docs/guards.md). */
    expect: z.array(expectationSchema(filterSchema)).default([]),
    /**
     * Envelope sender and From of the mail mailsort composes (alert summaries, flapping notices,
     * digests, expectation notices): a smarthost that only relays for known senders needs one
     * of its own. `mailsort@<ingest.hostname>` when unset.
     */
    composed_from: z
      .string()
      .regex(/^[^@\s<>",;]+@[^@\s<>",;]+$/, 'expected one address like alerts@example.com')
      .optional(),
  })
  .superRefine((routing, ctx) => {
    const expected = new Set<string>();
    routing.expect.forEach((expectation, index) => {
      if (expected.has(expectation.name)) ctx.addIssue({ code: 'custom', path: ['expect', index, 'name'], message: `expectation "${expectation.name}" is defined twice` });
      expected.add(expectation.name);
    });
    const webhooks = new Set<string>();
    routing.webhooks.forEach((webhook, index) => {
      if (webhooks.has(webhook.name)) ctx.addIssue({ code: 'custom', path: ['webhooks', index, 'name'], message: `webhook "${webhook.name}" is defined twice` });
      webhooks.add(webhook.name);
    });
    const names = new Set<string>();
    routing.managers.forEach((manager, m) => {
      if (names.has(manager.name)) ctx.addIssue({ code: 'custom', path: ['managers', m, 'name'], message: `manager "${manager.name}" is defined twice` });
      names.add(manager.name);
      manager.rules.forEach((rule, r) => {
        for (const problem of checkRule(rule, { kind: manager.kind, legacy: false, webhooks })) {
          ctx.addIssue({ code: 'custom', path: ['managers', m, 'rules', r, ...problem.path], message: problem.message });
        }
        for (const problem of checkActions(rule.on_dead ?? [], { legacy: false, webhooks })) {
          ctx.addIssue({ code: 'custom', path: ['managers', m, 'rules', r, 'on_dead', ...problem.path], message: problem.message });
        }
      });
      for (const problem of checkActions(manager.fallback_actions ?? [], { legacy: false, webhooks })) {
        ctx.addIssue({ code: 'custom', path: ['managers', m, 'fallback_actions', ...problem.path], message: problem.message });
      }
      for (const problem of checkActions(manager.on_dead ?? [], { legacy: false, webhooks })) {
        ctx.addIssue({ code: 'custom', path: ['managers', m, 'on_dead', ...problem.path], message: problem.message });
      }
    });
    for (const problem of checkActions(routing.fallback_actions, { legacy: false, webhooks })) {
      ctx.addIssue({ code: 'custom', path: ['fallback_actions', ...problem.path], message: problem.message });
    }
  });

export type ManagerConfig = z.output<typeof managerSchema>;
export type RuleConfig = z.output<typeof ruleSchema>;
export type RoutingConfig = z.output<typeof routingSchema>;
export type ExpectationConfig = RoutingConfig['expect'][number];
