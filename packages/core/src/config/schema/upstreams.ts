import { z } from 'zod';
import { duration, port } from '../units.js';

export const TLS_MODES = ['none', 'starttls', 'starttls-opportunistic', 'implicit'] as const;
export const AUTH_METHODS = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'] as const;
export const TLS_VERSIONS = ['TLS10', 'TLS11', 'TLS12', 'TLS13'] as const;

/** Alertmanager's `tls_config`, which msmtp's tls_* options map onto one for one. */
export const tlsConfigSchema = z
  .strictObject({
    /** CA bundle to verify the server with (msmtp `tls_trust_file`); the system CAs when unset. */
    ca_file: z.string().optional(),
    /** Client certificate and key (msmtp `tls_cert_file` / `tls_key_file`). */
    cert_file: z.string().optional(),
    key_file: z.string().optional(),
    /** Name to send as SNI and to verify the certificate against; the host when unset. */
    server_name: z.string().optional(),
    /** msmtp `tls_certcheck off`. Defaults to false, except for `starttls-opportunistic` (like Postfix's `may`). */
    insecure_skip_verify: z.boolean().optional(),
    min_version: z.enum(TLS_VERSIONS).optional(),
    max_version: z.enum(TLS_VERSIONS).optional(),
  })
  .refine((tls) => (tls.cert_file === undefined) === (tls.key_file === undefined), { message: 'give cert_file and key_file together', path: ['cert_file'] })
  .refine((tls) => !tls.min_version || !tls.max_version || tls.min_version <= tls.max_version, { message: 'min_version is above max_version', path: ['min_version'] });

export const authSchema = z
  .strictObject({
    user: z.string().min(1),
    /** `password_file:` reads it from a file; `${SMTP_PASSWORD}` from the environment. */
    password: z.string().optional(),
    /** PLAIN, LOGIN or CRAM-MD5 need `password`; XOAUTH2 needs `access_token` or client_id/client_secret/refresh_token. */
    method: z.enum(AUTH_METHODS).optional(),
    access_token: z.string().optional(),
    client_id: z.string().optional(),
    client_secret: z.string().optional(),
    refresh_token: z.string().optional(),
    /** Token endpoint for refreshing XOAUTH2 tokens; nodemailer's default is Google's. */
    access_url: z.string().url().optional(),
  })
  .superRefine((auth, ctx) => {
    if (auth.method === 'XOAUTH2') {
      const refreshable = auth.client_id && auth.client_secret && auth.refresh_token;
      if (!auth.access_token && !refreshable) ctx.addIssue({ code: 'custom', path: ['method'], message: 'XOAUTH2 needs access_token, or client_id, client_secret and refresh_token' });
    } else if (auth.password === undefined) {
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'give password (or password_file)' });
    }
  });

/**
 * Provider presets from the msmtp guide: they fill host, port, TLS mode (and Proton Bridge's
 * self-signed certificate); every field given explicitly wins.
 */
export const PROVIDER_PRESETS = {
  gmail: { host: 'smtp.gmail.com', port: 587, tls: 'starttls' },
  office365: { host: 'smtp.office365.com', port: 587, tls: 'starttls' },
  sendgrid: { host: 'smtp.sendgrid.net', port: 587, tls: 'starttls' },
  'proton-bridge': { host: '127.0.0.1', port: 1025, tls: 'starttls', tls_config: { insecure_skip_verify: true } },
  'proton-smtp': { host: 'smtp.protonmail.ch', port: 587, tls: 'starttls' },
} as const;

export type ProviderName = keyof typeof PROVIDER_PRESETS;

function applyPreset(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  const preset = typeof record.provider === 'string' ? PROVIDER_PRESETS[record.provider as ProviderName] : undefined;
  if (!preset) return value;
  const tlsConfig = 'tls_config' in preset ? { ...preset.tls_config, ...(record.tls_config as object | undefined) } : record.tls_config;
  return { ...preset, ...record, ...(tlsConfig ? { tls_config: tlsConfig } : {}) };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i;

export const upstreamSchema = z.preprocess(
  applyPreset,
  z
    .strictObject({
      name: z.string().min(1),
      /** A preset (gmail, office365, sendgrid, proton-bridge, proton-smtp) for host, port and tls. */
      provider: z.enum(Object.keys(PROVIDER_PRESETS) as [ProviderName, ...ProviderName[]]).optional(),
      host: z.string().min(1),
      port: port.default(25),
      /**
       * `starttls`: STARTTLS required, never sends in clear; `starttls-opportunistic`: STARTTLS when
       * offered; `implicit`: TLS from the first byte (SMTPS, port 465); `none`: plain SMTP, never STARTTLS.
       */
      tls: z.enum(TLS_MODES).default('starttls-opportunistic'),
      /** The name sent in EHLO; the machine's hostname when unset. */
      hello: z.string().optional(),
      auth: authSchema.optional(),
      tls_config: tlsConfigSchema.prefault({}),
      /** Upstreams to try, in order, when this one cannot be reached (connection, TLS, AUTH failures). */
      fallback: z.array(z.string().min(1)).default([]),
      pool: z
        .strictObject({
          /** Parallel SMTP connections to this upstream per sender process. */
          max_connections: z.number().int().positive().default(5),
          /** Messages sent over one connection before it is replaced. */
          max_messages: z.number().int().positive().default(1000),
        })
        .prefault({}),
      timeouts: z
        .strictObject({
          connect: duration.prefault(30),
          greeting: duration.prefault(30),
          /** Inactivity on an open connection. */
          socket: duration.prefault(120),
        })
        .prefault({}),
    })
    .superRefine((upstream, ctx) => {
      if (upstream.auth && (upstream.tls === 'none' || upstream.tls === 'starttls-opportunistic') && !LOOPBACK.test(upstream.host)) {
        ctx.addIssue({ code: 'custom', path: ['tls'], message: `AUTH over tls: ${upstream.tls} could send the password in clear; use tls: starttls or implicit` });
      }
      if (upstream.fallback.includes(upstream.name)) ctx.addIssue({ code: 'custom', path: ['fallback'], message: 'an upstream cannot be its own fallback' });
    }),
);

/** The `upstreams:` list: names unique, every fallback names a configured upstream. */
export const upstreamsSchema = z
  .array(upstreamSchema)
  .min(1, 'configure at least one upstream smarthost')
  .superRefine((upstreams, ctx) => {
    const names = new Set(upstreams.map((upstream) => upstream.name));
    upstreams.forEach((upstream, index) => {
      upstream.fallback.forEach((name, position) => {
        if (!names.has(name)) ctx.addIssue({ code: 'custom', path: [index, 'fallback', position], message: `no upstream is named "${name}"` });
      });
    });
  });

export type UpstreamConfig = z.output<typeof upstreamSchema>;
export type TlsConfig = z.output<typeof tlsConfigSchema>;
