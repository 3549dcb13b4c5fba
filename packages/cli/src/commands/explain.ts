import { readFileSync } from 'node:fs';
import {
  ConfigError,
  explainJson,
  explainMail,
  explainRows,
  formatProblem,
  loadConfigFile,
  printable,
  printableJson,
  type Config,
  type Env,
  type GroupsSource,
  type StageResult,
} from '@mailsort/core';
import type { Io } from '../io.js';
import { splitList } from './args.js';
import { parseCommand } from './parse-command.js';
import { cliExplainRedis, readGroupsFile } from './gocd-groups-source.js';

export const EXPLAIN_USAGE = 'explain --config FILE MESSAGE.eml [--from A] [--to B]… [--gocd-groups FILE] [--previous success|failure] [--json]';

/**
 * `mailsort explain`: runs the router's own engine on a message file and says which manager
 * and rule would take it, the event parsed and the recipients, without sending anything
 * (core's explainMail, which the console's explain page runs too).
 */
export async function explain(args: string[], env: Env, io: Io): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    {
      config: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string', multiple: true },
      'gocd-groups': { type: 'string' },
      previous: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    true,
  );
  const configFile = values.config ?? env.MAILSORT_CONFIG;
  const messageFile = positionals[0];
  if (!configFile || !messageFile || positionals.length > 1) {
    io.err(`usage: mailsort ${EXPLAIN_USAGE}`);
    return 2;
  }
  if (values.previous !== undefined && !['success', 'failure', 'unknown'].includes(values.previous)) {
    io.err('mailsort explain: --previous is success, failure or unknown');
    return 2;
  }
  let config: Config;
  let raw: Buffer;
  try {
    ({ config } = loadConfigFile(configFile, env));
    raw = readFileSync(messageFile);
  } catch (error) {
    io.err(error instanceof ConfigError ? error.problems.map(formatProblem).join('\n') : (error as Error).message);
    return 1;
  }
  const groupsFile = values['gocd-groups'];
  const groups = groupsFile
    ? (): GroupsSource => {
        const read = readGroupsFile(groupsFile);
        return { groups: read, origin: `${groupsFile} (${read.length} groups)` };
      }
    : undefined;
  const input = {
    raw,
    ...(values.from !== undefined ? { from: values.from } : {}),
    ...(values.to ? { to: splitList(values.to) } : {}),
    ...(values.previous ? { previous: values.previous as StageResult } : {}),
    ...(groups ? { groups } : {}),
  };
  let explained: Awaited<ReturnType<typeof explainMail>>;
  try {
    explained = await explainMail(config, input, cliExplainRedis(config));
  } catch (error) {
    // An unreadable --gocd-groups file.
    io.err((error as Error).message);
    return 1;
  }
  if ('error' in explained) {
    io.err(`mailsort explain: ${explained.error}`);
    return 2;
  }
  if (values.json === true) io.out(printableJson(explainJson(explained)));
  else for (const [label, value] of explainRows(explained, messageFile)) io.out(`${label.padEnd(11)} ${printable(value)}`);
  return 0;
}
