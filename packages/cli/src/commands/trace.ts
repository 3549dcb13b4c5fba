import { ConfigError, createTraceStore, keyspaceOf, formatProblem, loadConfigFile, printable, printableJson, traceLine, type Config, type Env } from '@mailsort/core';
import type { Io } from '../io.js';
import { parseCommand } from './parse-command.js';
import { connectCliRedis } from './gocd-groups-source.js';

export const TRACE_USAGE = 'trace [--config FILE] ID [--json]';

/** `mailsort trace ID`: what happened to one message, step by step, as the services recorded it. */
export async function trace(args: string[], env: Env, io: Io): Promise<number> {
  const { values, positionals } = parseCommand(args, { config: { type: 'string' }, json: { type: 'boolean', default: false } }, true);
  const configFile = values.config ?? env.MAILSORT_CONFIG;
  const [id] = positionals;
  if (!configFile || !id) {
    io.err(`usage: mailsort ${TRACE_USAGE}`);
    return 2;
  }
  let config: Config;
  try {
    ({ config } = loadConfigFile(configFile, env));
  } catch (error) {
    io.err(error instanceof ConfigError ? error.problems.map(formatProblem).join('\n') : (error as Error).message);
    return 1;
  }
  const connected = await connectCliRedis(config);
  if ('error' in connected) {
    io.err(`mailsort trace: ${connected.error}`);
    return 1;
  }
  try {
    const events = await createTraceStore(connected.redis, keyspaceOf(config.redis)).read(id);
    if (values.json) {
      io.out(printableJson({ id, events }));
    } else if (events.length > 0) {
      io.out(`message ${id}`);
      for (const event of events) io.out(printable(traceLine(event)));
    }
    if (events.length === 0) {
      io.err(`no trace for ${id}: unknown id, or older than redis.trace_ttl`);
      return 1;
    }
    return 0;
  } finally {
    connected.redis.disconnect();
  }
}
