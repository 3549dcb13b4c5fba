import { ruleFunction } from '../rules/functions.js';
import type { RuleDefinition } from '../rules/types.js';

/**
 * Which manager kind an expectation's filter is read as: `gocd` when it names GoCD events or a
 * GoCD-only function (pipelines.*), `mail` otherwise. An expectation has no manager of its own.
 */
export function expectationKind(filter: RuleDefinition['filter']): 'gocd' | 'mail' {
  if (filter.events !== undefined) return 'gocd';
  const fn = filter.function === undefined ? undefined : ruleFunction(filter.function);
  return fn && !fn.kinds.includes('mail') ? 'gocd' : 'mail';
}
