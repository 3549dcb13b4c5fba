import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Env } from '@mailsort/core';
import type { Io } from '../io.js';
import { parseCommand } from './parse-command.js';

export interface DevCertOptions {
  dir: string;
  name?: string;
  days?: number;
}

/**
 * Writes a self-signed certificate and its unencrypted key (cert.pem, key.pem) for
 * development, with openssl: an EC P-256 key, valid for `name`, localhost, 127.0.0.1 and ::1.
 */
export function writeDevCert({ dir, name = 'localhost', days = 365 }: DevCertOptions): { certFile: string; keyFile: string } {
  mkdirSync(dir, { recursive: true });
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const san = [`DNS:${name}`, 'DNS:localhost', 'IP:127.0.0.1', 'IP:::1'].filter((entry, index, all) => all.indexOf(entry) === index).join(',');
  const result = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-sha256',
      '-days',
      String(days),
      '-subj',
      `/CN=${name}`,
      '-addext',
      `subjectAltName=${san}`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { encoding: 'utf8' },
  );
  if (result.error) throw new Error(`cannot run openssl (install it: apt-get install openssl): ${result.error.message}`);
  if (result.status !== 0) throw new Error(`openssl failed: ${result.stderr.trim()}`);
  chmodSync(keyFile, 0o600);
  return { certFile, keyFile };
}

/** `mailsort dev-cert [--out DIR] [--name HOST] [--days N] [--force]`. */
export function devCert(args: string[], _env: Env, io: Io): number {
  const { values } = parseCommand(args, {
    out: { type: 'string', default: '.mailsort-dev/tls' },
    name: { type: 'string', default: 'localhost' },
    days: { type: 'string', default: '365' },
    force: { type: 'boolean', default: false },
  });
  const dir = resolve(values.out);
  const days = Number(values.days);
  if (!Number.isInteger(days) || days < 1) {
    io.err('mailsort dev-cert: --days must be a positive integer');
    return 2;
  }
  if (!values.force && (existsSync(join(dir, 'cert.pem')) || existsSync(join(dir, 'key.pem')))) {
    io.err(`mailsort dev-cert: ${dir} already has cert.pem or key.pem; give --force to replace them`);
    return 1;
  }
  try {
    const { certFile, keyFile } = writeDevCert({ dir, name: values.name, days });
    io.out(
      [
        `wrote ${certFile} and ${keyFile} (self-signed, for ${values.name}; for development only)`,
        'use them in the configuration:',
        '  ingest:',
        `    tls: { cert_file: ${certFile}, key_file: ${keyFile} }`,
      ].join('\n'),
    );
    return 0;
  } catch (error) {
    io.err(`mailsort dev-cert: ${(error as Error).message}`);
    return 1;
  }
}
