import { ConfigError, formatProblem, loadConfigFile, type Env } from '@mailsort/core';
import type { Io } from '../io.js';

/** `mailsort check-config [FILE]`: the same validation the services run, exit 1 on any problem. */
export function checkConfig(args: string[], env: Env, io: Io): number {
  const file = args.find((arg) => !arg.startsWith('-')) ?? env.MAILSORT_CONFIG;
  if (!file) {
    io.err('usage: mailsort check-config FILE (or set MAILSORT_CONFIG)');
    return 2;
  }
  try {
    const { config, format } = loadConfigFile(file, env);
    const managers = config.routing.managers.length;
    io.out(`${file}: ok (${format} format; ${config.ingest.listeners.length} listener(s), ${config.upstreams.length} upstream(s), ${managers} manager(s))`);
    return 0;
  } catch (error) {
    io.err(error instanceof ConfigError ? error.problems.map(formatProblem).join('\n') : (error as Error).message);
    return 1;
  }
}
