import { z } from 'zod';
import { duration, port } from '../units.js';

const BCRYPT_HASH = /^\$2[abxy]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** admin may retry, replay and delete; read-only sees everything and changes nothing. */
export const CONSOLE_ROLES = ['admin', 'read-only'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

const name = z
  .string()
  .min(1)
  .max(64)
  .refine((value) => /^[A-Za-z0-9._@-]+$/.test(value), 'letters, digits and . _ @ - only');

export const consoleUserSchema = z.strictObject({
  name,
  /** bcrypt hash from `mailsort hash-password`; a plain password is refused. */
  password_hash: z.string().regex(BCRYPT_HASH, 'expected a bcrypt hash ($2b$…); make one with `mailsort hash-password`'),
  role: z.enum(CONSOLE_ROLES),
});

export const consoleTokenSchema = z.strictObject({
  /** Who the token is in the audit log. */
  name,
  /** Sent as `Authorization: Bearer …` (`token_file:` works too); at least 32 characters. */
  token: z.string().min(32, 'at least 32 characters (e.g. `openssl rand -hex 32`)'),
  role: z.enum(CONSOLE_ROLES),
});

export const consoleSchema = z
  .strictObject({
    /** Loopback unless configured: the console is an admin surface. */
    host: z.string().default('127.0.0.1'),
    port: port.default(8080),
    users: z.array(consoleUserSchema).default([]),
    tokens: z.array(consoleTokenSchema).default([]),
    /** HTTPS with this certificate (and Secure cookies); plain HTTP when left out. */
    tls: z.strictObject({ cert_file: z.string().min(1), key_file: z.string().min(1) }).optional(),
    /** How long a login lasts without being used (the overview's polling does not count as use). */
    session_ttl: duration.prefault('8h'),
    /** How long a login lasts at most, used or not. */
    session_max_age: duration.prefault('12h'),
    /**
     * Host names (with :port when not the default) the console answers to besides 127.0.0.1,
     * localhost and [::1] on its port: the names a proxy or ingress forwards. Any other Host → 421
     * (DNS rebinding).
     */
    public_hosts: z.array(z.string().regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/, 'a host name or host:port (no scheme, no path)')).default([]),
    /** Secure session cookie (named __Host-…); default true under console.tls. Set true behind a TLS proxy. */
    cookie_secure: z.boolean().optional(),
    /** How many audit entries the console keeps in Redis (the JSON log keeps them all). */
    audit_keep: z.number().int().positive().default(1000),
  })
  .superRefine((config, ctx) => {
    const names = new Set<string>();
    for (const [list, entries] of [
      ['users', config.users],
      ['tokens', config.tokens],
    ] as const) {
      entries.forEach((entry, index) => {
        if (names.has(entry.name))
          ctx.addIssue({ code: 'custom', path: [list, index, 'name'], message: `"${entry.name}" is defined twice (users and tokens share one name space: the audit log names them)` });
        names.add(entry.name);
      });
    }
  });

export type ConsoleConfig = z.output<typeof consoleSchema>;
