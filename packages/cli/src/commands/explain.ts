import { readFileSync } from 'node:fs';
import {
  addBody,
  addressesIn,
  buildFacts,
  ConfigError,
  evaluate,
  formatProblem,
  headerSection,
  headerValues,
  loadConfigFile,
  messageNeedsBody,
  parseMailbox,
  printable,
  printableJson,
  splitDestinations,
  stageKey,
  uniqueMailboxes,
  wantingManager,
  type AlertEvent,
  type Config,
  type Decision,
  type Destination,
  type Env,
  type EvaluationContext,
  type RecognisedEvent,
  type StageResult,
} from '@mailsort/core';
import type { Io } from '../io.js';
import { splitList } from './args.js';
import { parseCommand } from './parse-command.js';
import { deliveredTo, describeRecipients } from './explain-recipients.js';
import { describeGrouping, explainGrouping, type GroupingExplained } from './explain-grouping.js';
import { connectCliRedis, readGroupsFile, snapshotGroups } from './gocd-groups-source.js';

export const EXPLAIN_USAGE = 'explain --config FILE MESSAGE.eml [--from A] [--to B]… [--gocd-groups FILE] [--previous success|failure] [--json]';

/** The one word a JSON consumer matches on: the GoCD event, the Jenkins status or the alert status. */
function eventWord(event: RecognisedEvent | null): string | null {
  if (!event) return null;
  if (event.source === 'gocd') return event.event ?? null;
  return event.status ?? null;
}

function describeEvent(event: RecognisedEvent | null): string {
  if (!event) return '(not a GoCD, Jenkins or Alertmanager mail)';
  if (event.source === 'gocd') {
    const corrected = event.corrected ? ` (the subject said ${event.subjectEvent}; corrected from the stage's previous result)` : '';
    return `GoCD stage ${event.pipeline}/${event.pipelineCounter}/${event.stage}/${event.stageCounter}: ${event.event ?? 'unknown wording'}${corrected}`;
  }
  if (event.source === 'jenkins') return `Jenkins job ${event.job}${event.build !== undefined ? ` #${event.build}` : ''}: ${event.status ?? 'unknown status'}`;
  return `Alertmanager ${event.status}${event.firing !== undefined ? ` (${event.firing} firing)` : ''}: ${event.alertname}`;
}

/** The alert event and, under it, where each field came from. */
function describeAlert(alert: AlertEvent): Array<[string, string]> {
  const labels = Object.entries(alert.labels)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
  return [
    ['alert', `${alert.source} ${alert.status} ${alert.severity} key ${alert.key} (${alert.parser})${alert.host ? ` host ${alert.host}` : ''}${labels ? ` ${labels}` : ''}`],
    ...alert.why.map((why): [string, string] => ['  why', `${why.field} from ${why.from}: ${why.detail}`]),
  ];
}

/**
 * `mailsort explain`: runs the router's own engine on a message file and says which manager
 * and rule would take it, the event parsed and the recipients, without sending anything.
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

  const headers = headerSection(raw);
  const parsedHeaders = buildFacts({ from: '', to: ['-'] }, headers).headers;
  // The same canonical spelling ingest would have accepted, so explain decides as the router does.
  const canonical = (address: string) => {
    const parsed = parseMailbox(address);
    return parsed.ok ? parsed.address : address;
  };
  const envelope = {
    from: canonical(values.from ?? headerValues(parsedHeaders, 'from').flatMap(addressesIn)[0] ?? ''),
    to: uniqueMailboxes((values.to ? splitList(values.to) : headerValues(parsedHeaders, 'to').flatMap(addressesIn)).map(canonical)),
  };
  if (envelope.to.length === 0) {
    io.err('mailsort explain: the message has no To header; give --to ADDRESS');
    return 2;
  }
  const manager = wantingManager(config.routing.managers, envelope);
  const facts = buildFacts(envelope, headers);
  if (messageNeedsBody(manager, facts)) await addBody(facts, raw);
  const context: EvaluationContext = { groups: null, fallbackActions: config.routing.fallback_actions };
  if (values.previous) context.previousStageResult = values.previous as StageResult;
  let groupsOrigin = 'not needed (no gocd manager takes this message)';
  const notes: string[] = [];
  if (manager?.kind === 'gocd') {
    if (values['gocd-groups']) {
      try {
        context.groups = readGroupsFile(values['gocd-groups']);
        groupsOrigin = `${values['gocd-groups']} (${context.groups.length} groups)`;
      } catch (error) {
        io.err((error as Error).message);
        return 1;
      }
    } else {
      const connected = await connectCliRedis(config);
      if ('error' in connected) {
        groupsOrigin = `none: ${connected.error}; give --gocd-groups FILE to work offline`;
      } else {
        try {
          const source = await snapshotGroups(connected.gocd);
          context.groups = source.groups;
          groupsOrigin = source.origin;
          if (!values.previous && facts.gocd) context.previousStageResult = await connected.gocd.peekStageResult(stageKey(facts.gocd));
          if (context.previousStageResult) notes.push(`previous result of ${stageKey(facts.gocd!)}: ${context.previousStageResult} (from Redis)`);
        } finally {
          connected.redis.disconnect();
        }
      }
    }
  }
  const decision = evaluate(config.routing.managers, facts, context);
  const { routed, others } = splitDestinations(decision, envelope, { defaultUpstream: config.routing.default_upstream, webhooks: config.routing.webhooks });
  const grouping = await explainGrouping(config, decision, routed);
  print(io, values.json === true, { messageFile, subject: facts.subject, envelope, decision, groupsOrigin, notes, destinations: [...routed, ...others], grouping });
  return 0;
}

interface Explained {
  messageFile: string;
  subject: string;
  envelope: { from: string; to: string[] };
  decision: Decision;
  groupsOrigin: string;
  notes: string[];
  destinations: Destination[];
  grouping: GroupingExplained | null;
}

function print(io: Io, json: boolean, { messageFile, subject, envelope, decision, groupsOrigin, notes, destinations, grouping }: Explained): void {
  const goesTo = deliveredTo(destinations);
  const webhooks = decision.webhooks.map((hook) => `${hook.format === 'slack' ? 'slack' : 'webhook'}:${hook.webhook}:${hook.style}`);
  if (json) {
    io.out(
      printableJson({
        action: decision.action,
        recipients: goesTo.recipients,
        upstreams: goesTo.upstreams,
        webhooks,
        manager: decision.manager,
        rule: decision.rule,
        rules: decision.rules,
        event: eventWord(decision.event),
        parsed: decision.event,
        alert: decision.alert,
        reason: decision.reason,
        problems: decision.problems,
        dropReason: decision.action === 'drop' ? decision.dropReason : null,
        fallback: decision.action === 'deliver' ? decision.fallback : false,
        others: decision.others ?? null,
        envelope,
        subject,
        groups: groupsOrigin,
        grouping,
        destinations: destinations.map((d) => (d.kind === 'smtp' ? d : { kind: d.kind, format: d.format, style: d.style })),
      }),
    );
    return;
  }
  const rows: Array<[string, string]> = [
    ['message', `${messageFile}`],
    ['subject', subject || '(none)'],
    ['envelope', `from <${envelope.from}> to ${envelope.to.map((to) => `<${to}>`).join(', ')}`],
    ['manager', decision.manager ?? '(none wants it)'],
    ['event', describeEvent(decision.event)],
    ...describeAlert(decision.alert),
    ['rule', decision.rules.length > 0 ? decision.rules.join('; ') : '(none matched)'],
    ['action', decision.action],
    ['recipients', describeRecipients(decision.action, goesTo)],
  ];
  if (webhooks.length > 0) rows.push(['webhooks', webhooks.join(', ')]);
  if (decision.others) {
    const what = decision.others.action === 'deliver' ? 'delivered unchanged to the default upstream' : 'dropped, counted (other_recipients: drop, as mail2alert did)';
    rows.push(['others', `${decision.others.addresses.join(', ')}: not claimed by the manager; ${what}`]);
  }
  rows.push(['reason', decision.reason]);
  rows.push(...describeGrouping(grouping));
  for (const problem of decision.problems) rows.push(['problem', `${problem.code} in ${problem.rule}: ${problem.message}`]);
  rows.push(['gocd groups', groupsOrigin]);
  for (const note of notes) rows.push(['note', note]);
  for (const [label, value] of rows) io.out(`${label.padEnd(11)} ${printable(value)}`);
}
