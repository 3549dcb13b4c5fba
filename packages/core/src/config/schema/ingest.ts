import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { byteSize, duration, port } from '../units.js';

/**
 * `none`: plain SMTP, no STARTTLS (AUTH is then impossible on this listener).
 * `starttls`: plain SMTP that offers STARTTLS (needs `ingest.tls`).
 * `implicit`: TLS from the first byte, port 465 style (needs `ingest.tls`).
 * Left out, a listener offers STARTTLS when `ingest.tls` is configured and is plain otherwise.
 */
export const listenerTlsSchema = z.enum(['none', 'starttls', 'implicit']);

export const listenerSchema = z.strictObject({
  name: z.string().default('smtp'),
  host: z.string().default('0.0.0.0'),
  port: port.default(2525),
  tls: listenerTlsSchema.optional(),
});

const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;

export const ingestTlsSchema = z.strictObject({
  /** PEM certificate (chain) file; a path, not a secret. */
  cert_file: z.string().min(1),
  /** PEM private key file. */
  key_file: z.string().min(1),
  min_version: z.enum(TLS_VERSIONS).default('TLSv1.2'),
  /** OpenSSL cipher list for TLS 1.2; Node's default when left out. */
  ciphers: z.string().optional(),
});

const senderPattern = z.string().refine((value) => value === '*' || /^@[^@\s]+$/.test(value) || /^[^@\s]+@[^@\s]+$/.test(value), 'expected an address (ci@example.com), a domain (@example.com) or *');

export const rateLimitSchema = z.strictObject({
  /** Messages accepted per window, counted in Redis (shared by every ingest replica). */
  messages: z.number().int().positive(),
  per: duration.prefault(3600),
});

const BCRYPT_HASH = /^\$2[abxy]\$\d{2}\$[./A-Za-z0-9]{53}$/;

export const ingestUserSchema = z.strictObject({
  username: z
    .string()
    .min(1)
    .refine((name) => !/[\0-\x1f\x7f]/.test(name), 'control characters are not allowed'),
  /** bcrypt hash from `mailsort hash-password`; a plain password is refused. */
  password_hash: z.string().regex(BCRYPT_HASH, 'expected a bcrypt hash ($2b$…); make one with `mailsort hash-password`'),
  /** Envelope senders this user may use: addresses, @domains, or * for any. */
  allowed_senders: z.array(senderPattern).min(1, 'list at least one address, @domain or *'),
  rate_limit: rateLimitSchema.optional(),
});

export const authSchema = z.strictObject({
  /** Failed AUTH attempts on one connection before it is answered 421 and closed. */
  max_failures_per_connection: z.number().int().positive().default(3),
  /** Failed AUTH attempts from one client address within `lockout_window` before it is locked out. */
  max_failures_per_address: z.number().int().positive().default(10),
  lockout_window: duration.prefault(900),
  /** How long a locked-out address is refused AUTH. */
  lockout_duration: duration.prefault(900),
});

export const ingestSchema = z
  .strictObject({
    /** Name used in the greeting and the Received: header. */
    hostname: z.string().default('mailsort.localdomain'),
    listeners: z
      .array(listenerSchema)
      .min(1)
      .default([{ name: 'smtp', host: '0.0.0.0', port: 2525 }]),
    /** CIDR blocks (IPv4 and IPv6) that may relay without AUTH, like Postfix mynetworks. */
    trusted_networks: z
      .array(z.string().refine((cidr) => (cidr.includes('/') ? ipaddr.isValidCIDR(cidr) : ipaddr.isValid(cidr)), 'not an IP address or CIDR block'))
      .default(['127.0.0.0/8', '::1/128']),
    tls: ingestTlsSchema.optional(),
    /** Users who may relay after AUTH (over TLS only). */
    users: z.array(ingestUserSchema).default([]),
    /** A YAML file with more users, same shape as `users` (e.g. a mounted Kubernetes secret). */
    users_file: z.string().min(1).optional(),
    auth: authSchema.prefault({}),
    /** Look up the client's reverse DNS name for the Received: header (slow without a resolver). */
    reverse_lookup: z.boolean().default(false),
    limits: z
      .strictObject({
        max_message_size: byteSize.prefault(25 * 1024 * 1024),
        /**
         * Largest header section accepted (552 above it). It travels in the route job, so it is
         * kept small; Exim's header_maxsize is 1 MiB, real machine mail stays under 20 KiB.
         */
        max_header_size: byteSize.prefault(256 * 1024),
        /** How long a message may take to be stored before the client is told 451 and the write is withdrawn. */
        store_timeout: duration.prefault('15s'),
        max_recipients: z.number().int().positive().default(100),
        max_connections: z.number().int().positive().default(1000),
        /**
         * Open sessions one client address may hold on one replica; the next gets 421 4.7.0
         * (Postfix smtpd_client_connection_count_limit). Trusted networks are exempt unless
         * `limit_trusted_clients`.
         */
        max_connections_per_client: z.number().int().positive().default(50),
        /** Apply `max_connections_per_client` to trusted networks too (Postfix exempts $mynetworks; so does mailsort by default). */
        limit_trusted_clients: z.boolean().default(false),
        /**
         * Of `max_connections`, the slots only trusted clients may take: untrusted clients
         * together hold at most `max_connections - reserved_for_trusted`. Default: a tenth.
         */
        reserved_for_trusted: z.number().int().nonnegative().optional(),
        /**
         * Longest time from connect, RSET, EHLO or the end of the last message to the end of
         * the next DATA; past it the session gets 421 4.4.2 and is closed.
         */
        transaction_timeout: duration.prefault('10m'),
        /** Least DATA rate, bytes per second averaged since DATA began, once `data_rate_grace` has passed; below it 421 4.4.2 and close. 0: no minimum. */
        min_data_rate: z.number().int().nonnegative().default(1024),
        data_rate_grace: duration.prefault('10s'),
        /** An implicit-TLS client must finish its handshake within this, however slowly its bytes come; it holds a connection slot meanwhile. */
        tls_handshake_timeout: duration.prefault('10s'),
        socket_timeout: duration.prefault(60),
        /**
         * Pause before the 220 greeting; a client that talks before it is refused (421), as
         * blind pipeliners are. It bounds throughput at sessions / greeting_delay per listener,
         * so it is short: Postfix's smtpd has none (postscreen's is seconds).
         */
        greeting_delay: duration.prefault('5ms'),
        /** On shutdown, sessions still open after this are told 421 and closed. */
        close_timeout: duration.prefault('10s'),
      })
      .prefault({}),
  })
  .superRefine((ingest, ctx) => {
    ingest.listeners.forEach((listener, index) => {
      if (listener.tls && listener.tls !== 'none' && !ingest.tls) {
        ctx.addIssue({ code: 'custom', path: ['listeners', index, 'tls'], message: `tls: ${listener.tls} needs ingest.tls (cert_file and key_file)` });
      }
    });
    const { reserved_for_trusted: reserved, max_connections: max } = ingest.limits;
    if (reserved !== undefined && reserved >= max) {
      ctx.addIssue({ code: 'custom', path: ['limits', 'reserved_for_trusted'], message: `must be less than max_connections (${max}), or untrusted clients could never connect` });
    }
    const names = new Set<string>();
    ingest.users.forEach((user, index) => {
      if (names.has(user.username)) ctx.addIssue({ code: 'custom', path: ['users', index, 'username'], message: `user "${user.username}" is defined twice` });
      names.add(user.username);
    });
  });

export type IngestConfig = z.output<typeof ingestSchema>;
export type IngestUser = z.output<typeof ingestUserSchema>;
export type ListenerConfig = z.output<typeof listenerSchema>;
