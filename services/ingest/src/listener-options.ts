import type { SMTPServerOptions } from 'smtp-server';
import type { IngestConfig, ListenerConfig } from '@mailsort/core';
import type { TlsFiles } from './tls-options.js';

export type ListenerTls = 'none' | 'starttls' | 'implicit';

/** A listener's TLS mode: as configured, else STARTTLS when certificates are configured. */
export function listenerTls(listener: ListenerConfig, tls: TlsFiles | undefined): ListenerTls {
  return listener.tls ?? (tls ? 'starttls' : 'none');
}

/**
 * smtp-server options for one listener. AUTH is offered only where TLS is possible and there
 * are users to check, and advertised only inside TLS; smtp-server itself refuses AUTH before
 * STARTTLS (538) and AUTH inside a mail transaction (503 5.5.1, RFC 4954 §4).
 */
export function listenerOptions(mode: ListenerTls, ingest: IngestConfig, tls: TlsFiles | undefined, hasUsers: boolean): SMTPServerOptions {
  const disabled: string[] = [];
  if (mode !== 'starttls') disabled.push('STARTTLS');
  if (mode === 'none' || !hasUsers) disabled.push('AUTH');
  return {
    name: ingest.hostname,
    // smtp-server writes `220 <name> ESMTP <banner>`: the banner names the software only.
    banner: 'mailsort',
    size: ingest.limits.max_message_size,
    // A backstop on raw sockets, counted before the greeting (the ones being refused too), so
    // that a burst of connects cannot make it refuse a trusted client; the limits that decide
    // who gets a session are counted in onConnect (connection-guard.ts).
    maxClients: ingest.limits.max_connections * 2,
    socketTimeout: ingest.limits.socket_timeout,
    greetingDelay: ingest.limits.greeting_delay,
    closeTimeout: ingest.limits.close_timeout,
    disabledCommands: disabled,
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: true,
    // Postfix smtpd_tls_auth_only: a client that sends its password whenever AUTH is listed never sends it in clear.
    hideAUTHBeforeTLS: true,
    // mailsort writes the enhanced status code into every reply it makes itself.
    hideENHANCEDSTATUSCODES: true,
    // Neither is carried through to the upstream, so neither is promised.
    hideDSN: true,
    hideREQUIRETLS: true,
    disableReverseLookup: !ingest.reverse_lookup,
    logger: false,
    secure: mode === 'implicit',
    ...(mode !== 'none' && tls ? { key: tls.key, cert: tls.cert, minVersion: tls.minVersion, ...(tls.ciphers ? { ciphers: tls.ciphers } : {}) } : {}),
  };
}
