import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import type { Config } from './schema/index.js';
import { mergeUsers } from './users-file.js';
import type { ConfigPath } from './yaml-locate.js';

export type ReadFile = (path: string) => string;

export interface ReferenceProblem {
  path: ConfigPath;
  message: string;
}

/**
 * What a schema cannot see: names that point at other parts of the config, and files the
 * services read at start. Every check here stands for a place where a service would otherwise
 * refuse to start (or to reload) a config that `check-config` had passed.
 * (routing.default_upstream and upstream fallbacks are checked by the schema itself.)
 */
export function checkReferences(config: Config, readFile: ReadFile): ReferenceProblem[] {
  return [...deadLetterReferences(config), ...listenerReferences(config), ...ingestFiles(config, readFile), ...upstreamFiles(config, readFile), ...redisFiles(config, readFile)];
}

function deadLetterReferences(config: Config): ReferenceProblem[] {
  const upstream = config.delivery.dead_letters.notify.upstream;
  const path = ['delivery', 'dead_letters', 'notify', 'upstream'];
  if (upstream === undefined) return [];
  if (!config.upstreams.some((candidate) => candidate.name === upstream)) return [{ path, message: `no upstream is named "${upstream}" (have: ${config.upstreams.map((u) => u.name).join(', ')})` }];
  // Every routed delivery goes through the default upstream: its dead letters must be told over another path.
  if (upstream === config.routing.default_upstream && config.upstreams.length > 1)
    return [{ path, message: `"${upstream}" is routing.default_upstream, the path whose failures the notices report; name another upstream or leave it unset` }];
  return [];
}

function listenerReferences(config: Config): ReferenceProblem[] {
  const problems: ReferenceProblem[] = [];
  const names = new Set<string>();
  const addresses = new Set<string>();
  config.ingest.listeners.forEach((listener, index) => {
    if (names.has(listener.name)) problems.push({ path: ['ingest', 'listeners', index, 'name'], message: `listener "${listener.name}" is defined twice` });
    names.add(listener.name);
    const address = `${listener.host}:${listener.port}`;
    // Port 0 asks the system for a free port, so it can appear any number of times.
    if (listener.port !== 0 && addresses.has(address)) problems.push({ path: ['ingest', 'listeners', index, 'port'], message: `another listener already uses ${address}` });
    addresses.add(address);
  });
  return problems;
}

function tryRead(readFile: ReadFile, file: string, path: ConfigPath, problems: ReferenceProblem[]): string | undefined {
  try {
    return readFile(file);
  } catch (error) {
    problems.push({ path, message: `cannot read ${file}: ${(error as Error).message}` });
    return undefined;
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** A CA file must hold PEM certificates: Node's TLS takes a file without one silently and then trusts no server, so every connection fails its handshake. */
function checkCaFile(readFile: ReadFile, file: string, path: ConfigPath, problems: ReferenceProblem[]): void {
  const text = tryRead(readFile, file, path, problems);
  if (text === undefined) return;
  const certificates = text.match(PEM_CERTIFICATE) ?? [];
  if (certificates.length === 0) problems.push({ path, message: `${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` });
  for (const certificate of certificates) {
    try {
      new X509Certificate(certificate);
    } catch (error) {
      problems.push({ path, message: `${file} holds a certificate that does not parse: ${(error as Error).message}` });
      return;
    }
  }
}

function ingestFiles(config: Config, readFile: ReadFile): ReferenceProblem[] {
  const problems: ReferenceProblem[] = [];
  const { tls, users, users_file: usersFile } = config.ingest;
  if (tls) {
    const cert = tryRead(readFile, tls.cert_file, ['ingest', 'tls', 'cert_file'], problems);
    const key = tryRead(readFile, tls.key_file, ['ingest', 'tls', 'key_file'], problems);
    if (cert !== undefined && key !== undefined) {
      try {
        createSecureContext({ cert, key, minVersion: tls.min_version, ...(tls.ciphers ? { ciphers: tls.ciphers } : {}) });
      } catch (error) {
        problems.push({ path: ['ingest', 'tls'], message: `${tls.cert_file} and ${tls.key_file} are not a usable PEM certificate and key: ${(error as Error).message}` });
      }
    }
  }
  if (usersFile) {
    const text = tryRead(readFile, usersFile, ['ingest', 'users_file'], problems);
    if (text !== undefined) {
      try {
        mergeUsers(users, usersFile, text);
      } catch (error) {
        problems.push({ path: ['ingest', 'users_file'], message: (error as Error).message.replace(/^ingest\.users_file /, '') });
      }
    }
  }
  return problems;
}

function upstreamFiles(config: Config, readFile: ReadFile): ReferenceProblem[] {
  const problems: ReferenceProblem[] = [];
  config.upstreams.forEach((upstream, index) => {
    for (const key of ['ca_file', 'cert_file', 'key_file'] as const) {
      const file = upstream.tls_config[key];
      const path = ['upstreams', index, 'tls_config', key];
      if (file !== undefined) (key === 'ca_file' ? checkCaFile : tryRead)(readFile, file, path, problems);
    }
  });
  return problems;
}

function redisFiles(config: Config, readFile: ReadFile): ReferenceProblem[] {
  const problems: ReferenceProblem[] = [];
  const caFile = config.redis.tls?.ca_file;
  if (caFile !== undefined) checkCaFile(readFile, caFile, ['redis', 'tls', 'ca_file'], problems);
  return problems;
}
