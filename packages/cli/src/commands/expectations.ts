import {
  assess,
  ConfigError,
  createExpectationStore,
  dueTimes,
  formatProblem,
  keyspaceOf,
  lastPing,
  loadConfigFile,
  printable,
  printableJson,
  type Config,
  type Env,
  type ExpectationConfig,
  type InstanceState,
} from '@mailsort/core';
import type { Io } from '../io.js';
import { connectCliRedis } from './gocd-groups-source.js';
import { parseCommand } from './parse-command.js';

export const EXPECTATIONS_USAGE = 'expectations [--config FILE] [--json]';

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

function describe(expectation: ExpectationConfig, state: InstanceState, now: number) {
  const due = dueTimes(state.seen, expectation, state.record);
  return {
    instance: state.instance,
    state: assess(now, state.seen, expectation, state.record),
    lastSeen: iso(lastPing(state.seen)),
    lastSuccess: iso(state.seen.lastSuccess),
    lastFailure: iso(state.seen.lastFailure),
    nextDue: iso(due?.late),
    missingAt: iso(due?.missing),
    /** The checker's view: ok, or the outage it is telling about. */
    alert: state.record?.state ?? 'ok',
    outage: state.record?.outage ?? 0,
  };
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
}

/** `mailsort expectations`: each dead-man's switch and each of its hosts, with last seen, next due and state. */
export async function expectations(args: string[], env: Env, io: Io): Promise<number> {
  const { values } = parseCommand(args, { config: { type: 'string' }, json: { type: 'boolean', default: false } });
  const configFile = values.config ?? env.MAILSORT_CONFIG;
  if (!configFile) {
    io.err(`usage: mailsort ${EXPECTATIONS_USAGE}`);
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
    io.err(`mailsort expectations: ${connected.error}`);
    return 1;
  }
  try {
    const store = createExpectationStore(connected.redis, keyspaceOf(config.redis));
    const now = Date.now();
    const report = [];
    for (const expectation of config.routing.expect) {
      const instances = await store.read(expectation.name);
      report.push({
        name: expectation.name,
        every: expectation.every / 1000,
        grace: expectation.grace / 1000,
        per: expectation.per ?? null,
        instances: instances.map((state) => describe(expectation, state, now)),
      });
    }
    if (values.json) {
      io.out(printableJson({ at: iso(now), expectations: report }));
      return 0;
    }
    if (report.length === 0) {
      io.out('no expectations configured (routing.expect)');
      return 0;
    }
    const rows = [['EXPECTATION', 'HOST', 'STATE', 'LAST SEEN', 'NEXT DUE', 'MISSING AFTER']];
    for (const expectation of report) {
      if (expectation.instances.length === 0) rows.push([expectation.name, '-', 'ok', 'no mail seen yet', '-', '-']);
      for (const instance of expectation.instances) {
        rows.push([expectation.name, instance.instance, instance.state, instance.lastSeen ?? 'never', instance.nextDue ?? '-', instance.missingAt ?? '-']);
      }
    }
    // Host names come from mail: printable() keeps a hostile one from writing to the terminal.
    for (const line of table(rows)) io.out(printable(line));
    return 0;
  } finally {
    connected.redis.disconnect();
  }
}
