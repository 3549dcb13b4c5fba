import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { MailsortError } from '../errors.js';
import { interpolate, type Env } from './interpolate.js';
import { isLegacyConfig, legacyConfigSchema, translateLegacyConfig } from './legacy-mail2alert.js';
import { configSchema, type Config } from './schema/index.js';
import { checkReferences } from './references.js';
import { resolveSecretFiles, type ReadSecretFile } from './secret-files.js';
import { formatPath, locate, type ConfigPath } from './yaml-locate.js';

export interface ConfigSource {
  /** Shown in every problem; the file the text came from. */
  file: string;
  text: string;
}

export interface ConfigProblem {
  file: string;
  line: number;
  col: number;
  key: string;
  message: string;
}

export type ConfigFormat = 'native' | 'mail2alert';

export interface LoadedConfig {
  config: Config;
  format: ConfigFormat;
}

export class ConfigError extends MailsortError {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    const inFileOrder = [...problems].sort((a, b) => a.line - b.line || a.col - b.col);
    super('CONFIG_INVALID', inFileOrder.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
    this.problems = inFileOrder;
  }
}

export function formatProblem(problem: ConfigProblem): string {
  return `${problem.file}:${problem.line}:${problem.col}: ${problem.key || '(top level)'}: ${problem.message}`;
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

// Values that are never interpolated: a bcrypt hash is full of `$`, and `$2b$10$abc…` must
// not be read as the variable `$abc…`.
const LITERAL_KEYS = new Set(['password_hash']);

function interpolateTree(value: unknown, env: Env, path: ConfigPath, missing: Array<{ path: ConfigPath; name: string }>): unknown {
  if (typeof value === 'string' && LITERAL_KEYS.has(String(path[path.length - 1]))) return value;
  if (typeof value === 'string') {
    const result = interpolate(value, env);
    for (const name of result.missing) missing.push({ path, name });
    return result.value;
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolateTree(item, env, [...path, index], missing));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateTree(item, env, [...path, key], missing)]));
  }
  return value;
}

function issueProblems(issues: z.core.$ZodIssue[], at: (path: ConfigPath) => { line: number; col: number }, file: string): ConfigProblem[] {
  return issues.flatMap((issue) => {
    const path = issue.path as ConfigPath;
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ file, ...at([...path, key]), key: formatPath([...path, key]), message: 'unknown key' }));
    }
    return [{ file, ...at(path), key: formatPath(path), message: issue.message }];
  });
}

/**
 * Parses, interpolates, resolves `*_file` secrets and validates a configuration, native or
 * mail2alert, then checks its cross-references and the files the services will read
 * (`readSecretFile` reads those too). Reports every problem at once with file, line and key;
 * returns a frozen config.
 */
export function loadConfig(source: ConfigSource, env: Env, readSecretFile: ReadSecretFile = (path) => readFileSync(path, 'utf8')): LoadedConfig {
  const lines = new LineCounter();
  const doc: Document = parseDocument(source.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (path: ConfigPath) => locate(doc, lines, path);
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => {
        const { line, col } = lines.linePos(error.pos[0]);
        return { file: source.file, line, col, key: '', message: error.message.split('\n')[0]! };
      }),
    );
  }
  const missing: Array<{ path: ConfigPath; name: string }> = [];
  const raw = interpolateTree(doc.toJS() ?? {}, env, [], missing);
  const problems: ConfigProblem[] = missing.map(({ path, name }) => ({
    file: source.file,
    ...at(path),
    key: formatPath(path),
    message: `environment variable ${name} is not set`,
  }));
  const secretProblems = resolveSecretFiles(raw, readSecretFile);
  problems.push(...secretProblems.map(({ path, message }) => ({ file: source.file, ...at(path), key: formatPath(path), message })));
  // A secret that could not be read is reported once, at its *_file key; what the schema then
  // says about the missing value would only repeat it.
  const unreadSecrets = new Set(secretProblems.map(({ path }) => formatPath(path).replace(/_file$/, '')));
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([{ file: source.file, line: 1, col: 1, key: '', message: 'the configuration must be a YAML mapping' }]);
  }

  let format: ConfigFormat = 'native';
  let native: unknown = raw;
  if (isLegacyConfig(raw)) {
    format = 'mail2alert';
    const legacy = legacyConfigSchema.safeParse(raw);
    if (!legacy.success) throw new ConfigError([...problems, ...issueProblems(legacy.error.issues, at, source.file)]);
    native = translateLegacyConfig(legacy.data);
  }
  if (env.REDIS_URL) {
    const record = native as Record<string, Record<string, unknown> | undefined>;
    record.redis = { ...record.redis, url: env.REDIS_URL };
  }
  const parsed = configSchema.safeParse(native);
  if (!parsed.success) problems.push(...issueProblems(parsed.error.issues, at, source.file).filter((problem) => !unreadSecrets.has(problem.key)));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const references = checkReferences(parsed.data, readSecretFile);
  if (references.length > 0) throw new ConfigError(references.map(({ path, message }) => ({ file: source.file, ...at(path), key: formatPath(path), message })));
  return { config: deepFreeze(parsed.data), format };
}

/** Reads the file named by `--config` / MAILSORT_CONFIG and loads it. */
export function loadConfigFile(file: string, env: Env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new MailsortError('CONFIG_UNREADABLE', `cannot read configuration ${file}: ${(error as Error).message}`, { cause: error });
  }
  return loadConfig({ file, text }, env);
}
