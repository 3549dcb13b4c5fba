import { z } from 'zod';
import { checkRule } from '../rules/check.js';
import { ruleSchema } from './schema/routing.js';
import type { ConfigInput } from './schema/index.js';
import { parseHostPort } from './units.js';

/**
 * mail2alert's configuration.yml, accepted unchanged. Its shape is validated here, with the
 * same rule schema as the native format, so errors point at the user's own keys.
 */
const hostPort = z.string().refine((value) => parseHostPort(value) !== undefined, 'expected host:port');

const legacyManagerSchema = z
  .strictObject({
    name: z.enum(['gocd', 'mail'], { message: 'mail2alert knows the managers "gocd" and "mail"' }),
    url: z.string().optional(),
    user: z.string().optional(),
    passwd: z.string().optional(),
    'messages-we-want': z.strictObject({ to: z.string().optional(), from: z.string().optional() }).refine((want) => want.to !== undefined || want.from !== undefined, 'give `to` or `from`'),
    // mail2alert has no grouping or flood control: those keys are the native format's, refused here.
    rules: z.array(ruleSchema.omit({ grouping: true, threading: true, flood_control: true, bypass_flood_control: true })).default([]),
  })
  .superRefine((manager, ctx) => {
    manager.rules.forEach((rule, index) => {
      for (const problem of checkRule(rule, { kind: manager.name, legacy: true })) {
        ctx.addIssue({ code: 'custom', path: ['rules', index, ...problem.path], message: problem.message });
      }
    });
  });

export const legacyConfigSchema = z.strictObject({
  'local-smtp': hostPort.default('localhost:1025'),
  'remote-smtp': hostPort,
  managers: z.array(legacyManagerSchema).default([]),
  'slack-token': z.string().optional(),
});

export type LegacyConfig = z.output<typeof legacyConfigSchema>;

const LEGACY_KEYS = ['local-smtp', 'remote-smtp', 'managers', 'slack-token'];

/** A document is mail2alert's when its top level uses only mail2alert's keys and has one of them. */
export function isLegacyConfig(document: unknown): boolean {
  if (!document || typeof document !== 'object' || Array.isArray(document)) return false;
  const keys = Object.keys(document);
  return keys.some((key) => key.includes('-')) && keys.every((key) => LEGACY_KEYS.includes(key));
}

/** Translates a validated mail2alert config into the native shape (before native defaults). */
export function translateLegacyConfig(legacy: LegacyConfig): ConfigInput {
  const listen = parseHostPort(legacy['local-smtp'])!;
  const remote = parseHostPort(legacy['remote-smtp'])!;
  const gocdManager = legacy.managers.find((manager) => manager.name === 'gocd' && manager.url);
  const seen = new Map<string, number>();
  // mail2alert names a manager by its module, so two `mail` managers share a name; mailsort
  // needs a name per manager (for explain and traces): the second becomes mail-2.
  const uniqueName = (name: string) => {
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name}-${count}`;
  };
  return {
    ingest: {
      listeners: [{ name: 'local-smtp', host: listen.host, port: listen.port }],
      trusted_networks: ['127.0.0.0/8', '::1/128'],
    },
    // mail2alert spoke plain SMTP to remote-smtp; keep that rather than surprise a sink without TLS.
    upstreams: [{ name: 'default', host: remote.host, port: remote.port, tls: 'none' }],
    routing: {
      default_upstream: 'default',
      managers: legacy.managers.map((manager) => ({
        name: uniqueName(manager.name),
        kind: manager.name,
        messages_we_want: manager['messages-we-want'],
        // mail2alert sent a claimed message to the rules' recipients only; its other envelope
        // recipients went nowhere. Kept for this format, but counted and traced (docs/routing.md).
        other_recipients: 'drop' as const,
        // mail2alert's mail manager ignored `events`; the native format refuses them there.
        rules: manager.name === 'mail' ? manager.rules.map(({ filter: { events: _ignored, ...filter }, ...rule }) => ({ ...rule, filter })) : manager.rules,
      })),
    },
    ...(gocdManager?.url ? { gocd: { url: gocdManager.url, ...(gocdManager.user ? { username: gocdManager.user, password: gocdManager.passwd ?? '' } : {}) } } : {}),
  };
}
