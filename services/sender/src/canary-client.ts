import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { CANARY_HEADER, listenerTls, type CanaryConfig, type Config } from '@mailsort/core';
import type { ReadFile } from './upstream-transport.js';

/** Where and how the canary reaches ingest, and where its probe must go: resolved once per config. */
export interface CanaryTarget {
  every: number;
  /** How long a probe stays recognisable: as long as its stored mail may live. */
  probeTtl: number;
  from: string;
  to: string;
  upstream: string;
  transport: SMTPTransport.Options;
}

const WILDCARD = new Set(['0.0.0.0', '::', '[::]', '']);

export function canaryTarget(canary: CanaryConfig, config: Config, readFile: ReadFile): CanaryTarget {
  // The schema has checked that the listener exists.
  const listener = config.ingest.listeners.find((candidate) => candidate.name === (canary.listener ?? config.ingest.listeners[0]!.name))!;
  const tls = listenerTls(listener, config.ingest);
  const host = canary.host ?? (WILDCARD.has(listener.host) ? '127.0.0.1' : listener.host);
  const { tls_config: tlsConfig } = canary;
  // One probe must not outlast its interval, however the listener stalls.
  const timeout = Math.min(canary.every, 30_000);
  return {
    every: canary.every,
    probeTtl: config.redis.message_ttl + canary.every,
    from: canary.from ?? `canary@${config.ingest.hostname}`,
    to: canary.to,
    upstream: canary.upstream ?? config.routing.default_upstream,
    transport: {
      host,
      port: canary.port ?? listener.port,
      // Connect as a client would: TLS from the first byte, or STARTTLS required, or plain SMTP.
      secure: tls === 'implicit',
      requireTLS: tls === 'starttls',
      ignoreTLS: tls === 'none',
      name: config.ingest.hostname,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      tls: {
        rejectUnauthorized: !(tlsConfig.insecure_skip_verify ?? false),
        ...(tlsConfig.ca_file ? { ca: readFile(tlsConfig.ca_file) } : {}),
        ...(tlsConfig.cert_file ? { cert: readFile(tlsConfig.cert_file) } : {}),
        ...(tlsConfig.key_file ? { key: readFile(tlsConfig.key_file) } : {}),
        ...(tlsConfig.server_name ? { servername: tlsConfig.server_name } : {}),
      },
      ...(canary.auth ? { auth: { user: canary.auth.user, pass: canary.auth.password } } : {}),
    },
  };
}

export const newProbeId = () => randomBytes(16).toString('hex');

/** The probe mail: machine mail that says what it is, named by its probe id. */
export function probeMessage(id: string, target: CanaryTarget, now: Date): Buffer {
  const domain = target.from.slice(target.from.lastIndexOf('@') + 1);
  return Buffer.from(
    [
      `From: mailsort canary <${target.from}>`,
      `To: <${target.to}>`,
      `Subject: mailsort canary ${id}`,
      `Date: ${now.toUTCString().replace('GMT', '+0000')}`,
      `Message-ID: <canary.${id}@${domain}>`,
      `${CANARY_HEADER}: ${id}`,
      'Auto-Submitted: auto-generated',
      '',
      `mailsort's end-to-end canary: sent through ingest, router and sender to upstream ${target.upstream}.`,
      'It only shows that mail gets through; it can be deleted.',
      '',
    ].join('\r\n'),
  );
}

/** Sends one probe through ingest as a client would; resolves with ingest's reply. */
export async function sendProbe(target: CanaryTarget, id: string, now: Date): Promise<string> {
  const client = nodemailer.createTransport(target.transport);
  try {
    const info = await client.sendMail({ envelope: { from: target.from, to: [target.to] }, raw: probeMessage(id, target, now) });
    return String(info.response);
  } finally {
    client.close();
  }
}
