import { matchEventFilter } from '../alerts/filter.js';
import { alertEvent } from '../alerts/registry.js';
import type { AlertEvent } from '../alerts/types.js';
import { mailboxKey } from '../mail/mailbox.js';
import { parseAction } from './actions.js';
import { ruleFunction, type Outcome } from './functions.js';
import { ruleLabel, unclaimedRecipients, wantingManager } from './managers.js';
import { correctStageEvent } from './subjects/gocd.js';
import type { GroupingSettings, RouteAlerting } from '../alerts/grouping/types.js';
import type { DeadContacts, Decision, EvaluationContext, GocdStage, ManagerRules, MessageFacts, RecognisedEvent, RuleDefinition, RuleProblem, WebhookAction } from './types.js';

function checkRule(manager: ManagerRules, rule: RuleDefinition, facts: MessageFacts, stage: GocdStage | undefined, alert: AlertEvent, context: EvaluationContext): Outcome {
  const { function: name, events, event: eventFilter } = rule.filter;
  if (eventFilter !== undefined) {
    const outcome = matchEventFilter(eventFilter, alert);
    if (!outcome.matched || name === undefined) return outcome;
  }
  const fn = name === undefined ? undefined : ruleFunction(name);
  if (!fn?.kinds.includes(manager.kind))
    return { error: 'RULE_INVALID', message: name === undefined ? 'the rule has neither a function nor an event filter' : `"${name}" is not a function of a ${manager.kind} manager` };
  if (manager.kind === 'gocd' && (events !== undefined || fn.needsStage)) {
    if (!facts.hasSubject) return { error: 'RULE_NO_SUBJECT', message: 'the message has no Subject, so it names no pipeline' };
    // mail2alert's GocdRule.check: with `events`, a message without a known event never matches.
    if (events !== undefined) {
      if (!stage) return { matched: false, note: 'not a GoCD stage mail' };
      if (!stage.event || !events.includes(stage.event)) return { matched: false, note: `event ${stage.event ?? 'unknown'} is not one of ${events.join(', ')}` };
    }
  }
  try {
    return fn.test({ args: rule.filter.args, facts, stage, groups: context.groups });
  } catch (error) {
    // A rule that throws is a rule problem like any other: the rule-error policy decides, and
    // the route job never fails (and retries) over data it will see again on every attempt.
    return { error: 'RULE_INVALID', message: `the rule failed: ${(error as Error).message}` };
  }
}

function addRecipient(recipients: string[], address: string): void {
  if (!recipients.some((known) => mailboxKey(known) === mailboxKey(address))) recipients.push(address);
}

function addActions(actions: readonly string[], recipients: string[], webhooks: WebhookAction[]): void {
  for (const text of actions) {
    const action = parseAction(text);
    if ('error' in action) continue; // refused when the configuration was loaded
    if (action.kind === 'mailto') for (const address of action.addresses) addRecipient(recipients, address);
    else if (!webhooks.some((known) => known.webhook === action.webhook && known.format === action.format && known.style === action.style)) webhooks.push(action);
  }
}

/**
 * The on_dead contacts of a route: those of every matched rule that names some, else the
 * manager's; undefined when neither does (the global fallback applies).
 */
function deadContacts(manager: ManagerRules, matched: readonly RuleDefinition[]): DeadContacts | undefined {
  const named = matched.filter((rule) => rule.on_dead !== undefined);
  const actions = named.length > 0 ? named.flatMap((rule) => rule.on_dead ?? []) : (manager.on_dead ?? []);
  const contacts: DeadContacts = { recipients: [], webhooks: [] };
  addActions(actions, contacts.recipients, contacts.webhooks);
  return contacts.recipients.length > 0 || contacts.webhooks.length > 0 ? contacts : undefined;
}

function describeEnvelope(facts: MessageFacts): string {
  return `from <${facts.envelope.from}> to ${facts.envelope.to.map((to) => `<${to}>`).join(', ')}`;
}

/**
 * The rules engine: pure, no I/O. Managers are asked in order; the first that wants the
 * envelope takes the message, and the recipients of all its matching rules (de-duplicated)
 * decide where it goes. See docs/routing.md for the rule-error policy.
 */
export function evaluate(managers: readonly ManagerRules[], facts: MessageFacts, context: EvaluationContext): Decision {
  const manager = wantingManager(managers, facts.envelope);
  const alert = alertEvent(facts);
  if (!manager) {
    return {
      action: 'passthrough',
      manager: null,
      rule: null,
      rules: [],
      recipients: [],
      webhooks: [],
      problems: [],
      alert,
      event: facts.gocd ?? facts.jenkins ?? facts.alertmanager ?? null,
      reason: `no manager wants mail ${describeEnvelope(facts)}; passed to the default upstream unchanged`,
    };
  }
  return evaluateManager(manager, facts, context, alert);
}

/** A route's grouping and threading: threading is on by default when grouping is. */
function routeAlerting(routeId: string, grouping: GroupingSettings | undefined, threading: boolean | undefined): RouteAlerting | null {
  if (grouping === undefined && !threading) return null;
  return { routeId, grouping: grouping ?? null, threading: threading ?? grouping !== undefined };
}

function managerAlerting(manager: ManagerRules): RouteAlerting | null {
  return routeAlerting(manager.name, manager.grouping, manager.threading);
}

/** One manager's verdict on a message it has taken. */
export function evaluateManager(manager: ManagerRules, facts: MessageFacts, context: EvaluationContext, alert: AlertEvent = alertEvent(facts)): Decision {
  const stage = manager.kind === 'gocd' && facts.gocd ? correctStageEvent(facts.gocd, context.previousStageResult) : facts.gocd;
  const event: RecognisedEvent | null = manager.kind === 'gocd' ? (stage ?? null) : (stage ?? facts.jenkins ?? facts.alertmanager ?? null);
  const matched: string[] = [];
  const matchedRules: RuleDefinition[] = [];
  const problems: RuleProblem[] = [];
  const recipients: string[] = [];
  const webhooks: WebhookAction[] = [];
  let alerting = managerAlerting(manager);
  let ruleAlerting = false;
  let flood = manager.flood_control ? { routeId: manager.name, settings: manager.flood_control } : null;
  let ruleFlood = false;
  let bypassRule = false;
  manager.rules.forEach((rule, index) => {
    const label = ruleLabel(manager, index);
    const outcome = checkRule(manager, rule, facts, stage, alert, context);
    if ('error' in outcome) {
      problems.push({ code: outcome.error, rule: label, message: outcome.message });
    } else if (outcome.matched) {
      matched.push(label);
      matchedRules.push(rule);
      addActions(rule.actions, recipients, webhooks);
      bypassRule ||= rule.bypass_flood_control === true;
      if (!ruleFlood && rule.flood_control) {
        ruleFlood = true;
        flood = { routeId: `${manager.name}/${rule.name ?? `rules[${index}]`}`, settings: rule.flood_control };
      }
      if (!ruleAlerting && (rule.grouping !== undefined || rule.threading !== undefined)) {
        ruleAlerting = true;
        alerting = routeAlerting(`${manager.name}/${rule.name ?? `rules[${index}]`}`, rule.grouping ?? manager.grouping, rule.threading ?? manager.threading);
      }
    }
  });
  const others = { addresses: unclaimedRecipients(manager, facts.envelope), action: manager.other_recipients ?? 'deliver' };
  const base = { manager: manager.name, rule: matched[0] ?? null, rules: matched, event, alert, problems, ...(others.addresses.length > 0 ? { others } : {}) };

  if (problems.length > 0) {
    const fallback = manager.fallback_actions ?? context.fallbackActions ?? [];
    addActions(fallback, recipients, webhooks);
    const codes = [...new Set(problems.map((problem) => problem.code))].join(', ');
    if (recipients.length === 0 && webhooks.length === 0) {
      return {
        ...base,
        action: 'passthrough',
        recipients: [],
        webhooks: [],
        reason: `manager "${manager.name}": ${problems.length} rule(s) could not be evaluated (${codes}) and no other rule addressed it; passed to the default upstream unchanged`,
      };
    }
    if (fallback.length > 0) {
      return {
        ...base,
        action: 'deliver',
        recipients,
        webhooks,
        fallback: true,
        alerting: null,
        onDead: deadContacts(manager, []),
        reason: `manager "${manager.name}": ${problems.length} rule(s) could not be evaluated (${codes}); the fallback actions were added`,
      };
    }
  }
  if (matched.length === 0) {
    const notStage = manager.kind === 'gocd' && !facts.gocd;
    return {
      ...base,
      action: 'drop',
      recipients: [],
      webhooks: [],
      dropReason: notStage ? 'not_a_stage_mail' : 'no_rule_matched',
      reason: notStage
        ? `manager "${manager.name}" wants it, but "${facts.subject}" is not a GoCD stage subject and no rule matched`
        : `manager "${manager.name}" wants it, but none of its ${manager.rules.length} rule(s) matched`,
    };
  }
  if (recipients.length === 0 && webhooks.length === 0) {
    return { ...base, action: 'drop', recipients: [], webhooks: [], dropReason: 'no_actions', reason: `manager "${manager.name}": the matching rule(s) have no actions` };
  }
  return {
    ...base,
    action: 'deliver',
    recipients,
    webhooks,
    fallback: false,
    alerting,
    flood: flood && { ...flood, bypass: alert.severity === 'critical' ? 'critical' : bypassRule ? 'rule' : null },
    onDead: deadContacts(manager, matchedRules),
    reason: `manager "${manager.name}": ${matched.length} rule(s) matched${problems.length > 0 ? `; ${problems.length} could not be evaluated` : ''}`,
  };
}
