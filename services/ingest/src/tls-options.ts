import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureVersion } from 'node:tls';
import { MailsortError, type IngestConfig } from '@mailsort/core';

export interface TlsFiles {
  key: Buffer;
  cert: Buffer;
  minVersion: SecureVersion;
  ciphers?: string;
}

function read(file: string, key: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new MailsortError('TLS_UNREADABLE', `ingest.tls.${key}: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Reads and checks the certificate and key once, at start: a listener that would fail every
 * handshake must not start at all.
 */
export function loadTlsFiles(tls: NonNullable<IngestConfig['tls']>): TlsFiles {
  const files: TlsFiles = {
    cert: read(tls.cert_file, 'cert_file'),
    key: read(tls.key_file, 'key_file'),
    minVersion: tls.min_version,
    ...(tls.ciphers ? { ciphers: tls.ciphers } : {}),
  };
  try {
    createSecureContext(files);
  } catch (error) {
    throw new MailsortError('TLS_UNREADABLE', `ingest.tls: ${tls.cert_file} and ${tls.key_file} are not a usable PEM certificate and key: ${(error as Error).message}`, { cause: error });
  }
  return files;
}
