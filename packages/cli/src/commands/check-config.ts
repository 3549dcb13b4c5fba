import { ConfigError, formatProblem, gocdReport, loadConfigFile, printable, printableJson, ruleFunction, type Config, type Env, type GocdReport, type PipelineGroup } from '@mailsort/core';
import type { Io } from '../io.js';
import { parseCommand } from './parse-command.js';
import { connectCliRedis, readGroupsFile, snapshotGroups } from './gocd-groups-source.js';

export const CHECK_CONFIG_USAGE = 'check-config [FILE] [--gocd-groups FILE] [--report] [--json]';

/** Rules naming a GoCD group that the given groups do not have: they could never match. */
function unknownGroups(config: Config, groups: PipelineGroup[]): string[] {
  const known = new Set(groups.map((group) => group.name.toLowerCase()));
  return config.routing.managers.flatMap((manager, m) =>
    manager.rules.flatMap((rule, r) => {
      const index = rule.filter.function === undefined ? undefined : ruleFunction(rule.filter.function)?.groupArg;
      const group = index === undefined ? undefined : rule.filter.args[index];
      return group !== undefined && !known.has(group.toLowerCase()) ? [`routing.managers[${m}].rules[${r}].filter.args: GoCD has no pipeline group "${group}"`] : [];
    }),
  );
}

function printReport(terminal: Io, reports: GocdReport[]): void {
  // Pipeline and group names come from GoCD: printed as text, never as terminal controls.
  const io = { out: (text: string) => terminal.out(printable(text)) };
  for (const report of reports) {
    io.out(`gocd manager "${report.manager}":`);
    for (const { group, pipelines } of report.groups) {
      io.out(`  group ${group}`);
      if (pipelines.length === 0) io.out('    (no pipelines)');
      for (const { pipeline, alerts } of pipelines) {
        if (alerts.length === 0) io.out(`    ${pipeline}: nobody`);
        for (const alert of alerts) io.out(`    ${pipeline}: ${alert.events.join(', ')} → ${[...alert.recipients, ...alert.webhooks].join(', ')}`);
      }
    }
    for (const problem of report.problems) io.out(`  problem: ${problem.code} in ${problem.rule}: ${problem.message}`);
  }
}

async function groupsFor(config: Config, file: string | undefined): Promise<PipelineGroup[]> {
  if (file) return readGroupsFile(file);
  const connected = await connectCliRedis(config);
  if ('error' in connected) throw new Error(`${connected.error}; give --gocd-groups FILE`);
  try {
    const source = await snapshotGroups(connected.gocd);
    if (!source.groups) throw new Error(`${source.origin}; give --gocd-groups FILE`);
    return source.groups;
  } finally {
    connected.redis.disconnect();
  }
}

/**
 * `mailsort check-config FILE`: the same validation the services run (rule functions and their
 * arguments included), exit 1 on any problem. With GoCD groups (`--gocd-groups FILE`, or the
 * Redis snapshot for `--report`) it also checks the group names, and `--report` prints, like
 * mail2alert's `--test`, who each gocd manager notifies for each pipeline and event.
 */
export async function checkConfig(args: string[], env: Env, io: Io): Promise<number> {
  const { values, positionals } = parseCommand(args, { 'gocd-groups': { type: 'string' }, report: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } }, true);
  const file = positionals[0] ?? env.MAILSORT_CONFIG;
  if (!file) {
    io.err(`usage: mailsort ${CHECK_CONFIG_USAGE} (or set MAILSORT_CONFIG)`);
    return 2;
  }
  let loaded: ReturnType<typeof loadConfigFile>;
  try {
    loaded = loadConfigFile(file, env);
  } catch (error) {
    io.err(error instanceof ConfigError ? error.problems.map(formatProblem).join('\n') : (error as Error).message);
    return 1;
  }
  const { config, format } = loaded;
  const managers = config.routing.managers.length;
  if (!values.json) io.out(`${file}: ok (${format} format; ${config.ingest.listeners.length} listener(s), ${config.upstreams.length} upstream(s), ${managers} manager(s))`);
  if (!values['gocd-groups'] && !values.report) return 0;
  let groups: PipelineGroup[];
  try {
    groups = await groupsFor(config, values['gocd-groups']);
  } catch (error) {
    io.err(`mailsort check-config: ${(error as Error).message}`);
    return 1;
  }
  const unknown = unknownGroups(config, groups);
  const reports = values.report ? gocdReport(config.routing.managers, groups) : [];
  if (values.json) io.out(printableJson({ file, format, ok: unknown.length === 0, problems: unknown, report: reports }));
  else {
    for (const problem of unknown) io.err(printable(`${file}: ${problem}`));
    printReport(io, reports);
  }
  return unknown.length === 0 ? 0 : 1;
}
