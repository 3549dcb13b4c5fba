import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { SMTPPoolOptions } from 'nodemailer/lib/smtp-pool';
import type { TlsConfig, UpstreamConfig } from '@mailsort/core';

const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;

export type ReadFile = (path: string) => Buffer;

function tlsOptions(upstream: UpstreamConfig, config: TlsConfig, readFile: ReadFile): TlsOptions {
  // Opportunistic STARTTLS verifies nothing unless asked to, like Postfix's `may`: an
  // unverified encrypted session is still better than the cleartext one it replaces.
  const skipVerify = config.insecure_skip_verify ?? upstream.tls === 'starttls-opportunistic';
  return {
    rejectUnauthorized: !skipVerify,
    ...(config.ca_file ? { ca: readFile(config.ca_file) } : {}),
    ...(config.cert_file ? { cert: readFile(config.cert_file) } : {}),
    ...(config.key_file ? { key: readFile(config.key_file) } : {}),
    ...(config.server_name ? { servername: config.server_name } : {}),
    ...(config.min_version ? { minVersion: TLS_VERSIONS[config.min_version] } : {}),
    ...(config.max_version ? { maxVersion: TLS_VERSIONS[config.max_version] } : {}),
  };
}

function authOptions(upstream: UpstreamConfig): Pick<SMTPPoolOptions, 'auth' | 'authMethod'> {
  const { auth } = upstream;
  if (!auth) return {};
  if (auth.method === 'XOAUTH2') {
    return {
      auth: {
        type: 'OAuth2',
        user: auth.user,
        ...(auth.access_token ? { accessToken: auth.access_token } : {}),
        ...(auth.client_id ? { clientId: auth.client_id, clientSecret: auth.client_secret, refreshToken: auth.refresh_token } : {}),
        ...(auth.access_url ? { accessUrl: auth.access_url } : {}),
      },
    };
  }
  return { auth: { user: auth.user, pass: auth.password ?? '' }, ...(auth.method ? { authMethod: auth.method } : {}) };
}

/**
 * Pure apart from reading the TLS files: one upstream's config → nodemailer pool options.
 * `starttls` sets requireTLS, so a server without STARTTLS (or a failed handshake) is an
 * error and the message is never sent in clear.
 */
export function transportOptions(upstream: UpstreamConfig, readFile: ReadFile): SMTPPoolOptions & { pool: true } {
  return {
    pool: true,
    host: upstream.host,
    port: upstream.port,
    secure: upstream.tls === 'implicit',
    requireTLS: upstream.tls === 'starttls',
    opportunisticTLS: upstream.tls === 'starttls-opportunistic',
    ignoreTLS: upstream.tls === 'none',
    ...(upstream.hello ? { name: upstream.hello } : {}),
    ...authOptions(upstream),
    tls: tlsOptions(upstream, upstream.tls_config, readFile),
    maxConnections: upstream.pool.max_connections,
    maxMessages: upstream.pool.max_messages,
    // mailsort retries on its own schedule; a pool that silently re-sent after a dropped
    // connection could deliver twice behind the ledger's back.
    maxRequeues: 0,
    connectionTimeout: upstream.timeouts.connect,
    greetingTimeout: upstream.timeouts.greeting,
    socketTimeout: upstream.timeouts.socket,
    logger: false,
    debug: false,
  };
}
