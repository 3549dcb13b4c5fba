import { parseAction } from './actions.js';
import { ruleFunction, type ManagerKind } from './functions.js';
import type { RuleDefinition } from './types.js';

export interface RuleCheckProblem {
  /** Relative to the rule. */
  path: Array<string | number>;
  message: string;
}

export interface RuleCheckOptions {
  kind: ManagerKind;
  /** mail2alert's format: only mailto: actions, and `events` on a mail manager are ignored as mail2alert did. */
  legacy: boolean;
  /** Webhook names defined in the native format. */
  webhooks?: ReadonlySet<string>;
}

/**
 * Everything about a rule that can be known before any mail arrives: the function exists for
 * this manager kind, takes these arguments, its regular expressions compile, its actions parse.
 * check-config and every service run this through the zod schema.
 */
export function checkRule(rule: RuleDefinition, { kind, legacy, webhooks }: RuleCheckOptions): RuleCheckProblem[] {
  const problems: RuleCheckProblem[] = [];
  const { filter } = rule;
  if (filter.event !== undefined && legacy) {
    problems.push({ path: ['filter', 'event'], message: "mail2alert's format has no event filter; use mailsort's native format for filter.event" });
  }
  const fn = filter.function === undefined ? undefined : ruleFunction(filter.function);
  if (filter.function === undefined) {
    if (legacy || filter.event === undefined) problems.push({ path: ['filter', 'function'], message: legacy ? 'a rule needs a function' : 'a rule needs a function, an event filter, or both' });
    else if (filter.args.length > 0) problems.push({ path: ['filter', 'args'], message: 'args belong to a function; this rule has none' });
    else if (filter.events !== undefined) problems.push({ path: ['filter', 'events'], message: 'events belong to a function; without one, use event.status' });
  } else if (!fn) {
    problems.push({ path: ['filter', 'function'], message: `unknown function "${filter.function}"` });
  } else if (!fn.kinds.includes(kind)) {
    problems.push({ path: ['filter', 'function'], message: `"${filter.function}" is not a function of a ${kind} manager` });
  } else {
    const { min, max, usage } = fn.args;
    const count = filter.args.length;
    if (count < min || count > max) {
      const wanted = max === 0 ? 'no arguments' : min === max ? `${min} argument(s): ${usage}` : `${min === 0 ? 'any number of' : `at least ${min}`} argument(s): ${usage}`;
      problems.push({ path: ['filter', 'args'], message: `${filter.function} takes ${wanted}; got ${count}` });
    } else {
      const problem = fn.check?.(filter.args);
      if (problem) problems.push({ path: ['filter', 'args'], message: problem });
    }
  }
  if (filter.events !== undefined && kind !== 'gocd' && !legacy) {
    problems.push({ path: ['filter', 'events'], message: 'events apply to gocd managers only' });
  }
  problems.push(...checkActions(rule.actions, { legacy, webhooks }).map(({ path, message }) => ({ path: ['actions', ...path], message })));
  return problems;
}

/** Problems with a list of actions (a rule's, or a fallback list); paths are the list indexes. */
export function checkActions(actions: readonly string[], { legacy, webhooks }: Omit<RuleCheckOptions, 'kind'>): RuleCheckProblem[] {
  const problems: RuleCheckProblem[] = [];
  actions.forEach((text, index) => {
    const action = parseAction(text);
    if ('error' in action) {
      problems.push({ path: [index], message: action.error });
    } else if (action.kind === 'webhook') {
      if (legacy)
        problems.push({ path: [index], message: `${JSON.stringify(text)}: mail2alert's format has mailto: actions only; use mailsort's native format with routing.webhooks for chat actions` });
      else if (!webhooks?.has(action.webhook)) problems.push({ path: [index], message: `no webhook named "${action.webhook}" in routing.webhooks` });
    }
  });
  return problems;
}
