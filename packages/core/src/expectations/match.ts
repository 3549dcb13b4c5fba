import { evaluateManager } from '../rules/evaluate.js';
import { ruleFunction } from '../rules/functions.js';
import type { AlertEvent } from '../alerts/types.js';
import type { EvaluationContext, ManagerRules, MessageFacts, RuleDefinition } from '../rules/types.js';
import { expectationKind } from './kind.js';

/** The instance of an expectation without `per`: there is only one. */
export const SINGLE_INSTANCE = '*';

export type PingKind = 'success' | 'failure';

/** What one expectation needs to see a mail (the parsed `routing.expect` entry). */
export interface ExpectationMatch {
  name: string;
  match: RuleDefinition['filter'];
  per?: string | undefined;
  success_kw?: readonly string[] | undefined;
  failure_kw?: readonly string[] | undefined;
}

export interface ExpectationPing {
  expectation: string;
  /** The host (or label value) the mail counts for, or SINGLE_INSTANCE. */
  instance: string;
  kind: PingKind;
}

export interface ExpectationMiss {
  expectation: string;
  /** Why a mail that matched the filter counts for nothing. */
  reason: 'no_instance' | 'no_keyword';
}

/** The host or label the mail counts for; undefined when the event has none (the mail counts for nothing). */
export function instanceOf(per: string | undefined, alert: AlertEvent): string | undefined {
  if (per === undefined) return SINGLE_INSTANCE;
  const value = per === 'host' ? alert.host : alert.labels[per.slice('labels.'.length)];
  // Host names compare without case, as DNS does: NAS1 and nas1 are one machine.
  const trimmed = value?.trim().toLowerCase();
  return trimmed ? trimmed : undefined;
}

function containsAny(words: readonly string[], texts: readonly string[]): boolean {
  const haystacks = texts.map((text) => text.toLowerCase());
  return words.some((word) => haystacks.some((text) => text.includes(word.toLowerCase())));
}

/**
 * healthchecks.io's keyword order, without its case sensitivity (#944): a failure keyword wins
 * over a success keyword (#533); with success_kw given, a mail with neither is ignored (null);
 * with no keywords at all every matching mail is a success.
 */
export function pingKind(expectation: Pick<ExpectationMatch, 'success_kw' | 'failure_kw'>, subject: string, body: string | undefined): PingKind | null {
  const texts = body === undefined ? [subject] : [subject, body];
  if (expectation.failure_kw && containsAny(expectation.failure_kw, texts)) return 'failure';
  if (expectation.success_kw) return containsAny(expectation.success_kw, texts) ? 'success' : null;
  return 'success';
}

/** Whether any expectation reads the body: a keyword list, or a filter function that does. */
export function expectationsNeedBody(expectations: readonly ExpectationMatch[]): boolean {
  return expectations.some(
    (expectation) =>
      expectation.success_kw !== undefined || expectation.failure_kw !== undefined || (expectation.match.function !== undefined && ruleFunction(expectation.match.function)?.needsBody === true),
  );
}

/** Whether an expectation's filter matches, read as a rule of an expectation-only manager. */
function filterMatches(expectation: ExpectationMatch, facts: MessageFacts, context: EvaluationContext, alert: AlertEvent): boolean {
  const manager: ManagerRules = { name: `expect ${expectation.name}`, kind: expectationKind(expectation.match), messages_we_want: {}, rules: [{ filter: expectation.match, actions: [] }] };
  // A rule that cannot be evaluated matches nothing: a problem is not a ping.
  const decision = evaluateManager(manager, facts, { ...context, fallbackActions: [] }, alert);
  return decision.problems.length === 0 && decision.rules.length > 0;
}

/** Pure: which expectations one routed mail feeds, as what kind of ping, and which matched but count for nothing. */
export function matchExpectations(
  expectations: readonly ExpectationMatch[],
  facts: MessageFacts,
  context: EvaluationContext,
  alert: AlertEvent,
): { pings: ExpectationPing[]; misses: ExpectationMiss[] } {
  const pings: ExpectationPing[] = [];
  const misses: ExpectationMiss[] = [];
  for (const expectation of expectations) {
    if (!filterMatches(expectation, facts, context, alert)) continue;
    const instance = instanceOf(expectation.per, alert);
    if (instance === undefined) {
      misses.push({ expectation: expectation.name, reason: 'no_instance' });
      continue;
    }
    const kind = pingKind(expectation, facts.subject, facts.body);
    if (kind === null) misses.push({ expectation: expectation.name, reason: 'no_keyword' });
    else pings.push({ expectation: expectation.name, instance, kind });
  }
  return { pings, misses };
}
