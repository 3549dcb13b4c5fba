import { z } from 'zod';

export const GOCD_EVENTS = ['PASSES', 'FAILS', 'BREAKS', 'FIXED', 'CANCELLED'] as const;

export const filterSchema = z.strictObject({
  function: z.string().min(1),
  args: z.array(z.union([z.string(), z.number()]).transform(String)).default([]),
  events: z.array(z.enum(GOCD_EVENTS)).optional(),
});

export const actionSchema = z
  .string()
  .regex(/^[a-z][a-z0-9+.-]*:.+$/i, 'an action is a URI such as mailto:team@example.com');

export const ruleSchema = z.strictObject({
  name: z.string().optional(),
  actions: z.array(actionSchema).default([]),
  filter: filterSchema,
});

/** mail2alert's `messages-we-want`: the envelope recipient or sender a manager claims. */
export const wantSchema = z
  .strictObject({ to: z.string().optional(), from: z.string().optional() })
  .refine((want) => want.to !== undefined || want.from !== undefined, 'give `to` or `from`');

export const managerSchema = z.strictObject({
  name: z.string().min(1),
  kind: z.enum(['gocd', 'mail']),
  messages_we_want: wantSchema,
  rules: z.array(ruleSchema).default([]),
});

export const routingSchema = z.strictObject({
  /** The upstream that gets mail no manager wants, and every delivery without its own upstream. */
  default_upstream: z.string().default('default'),
  managers: z.array(managerSchema).default([]),
});

export type ManagerConfig = z.output<typeof managerSchema>;
export type RuleConfig = z.output<typeof ruleSchema>;
