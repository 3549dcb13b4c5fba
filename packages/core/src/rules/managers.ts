import { describeEventFilter } from '../alerts/filter.js';
import { alertEventNeedsBody } from '../alerts/registry.js';
import { mailboxKey } from '../mail/mailbox.js';
import type { Envelope } from '../queues/payloads.js';
import { ruleFunction } from './functions.js';
import type { ManagerRules, MessageFacts } from './types.js';

function list(value: string | readonly string[] | undefined): string[] {
  return value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
}

/** A manager's messages_we_want as comparison keys: the one spelling wants() and unclaimedRecipients() share. */
function wanted(manager: ManagerRules): { to: Set<string>; from: Set<string> } {
  return { to: new Set(list(manager.messages_we_want.to).map(mailboxKey)), from: new Set(list(manager.messages_we_want.from).map(mailboxKey)) };
}

/** Does this manager's `messages-we-want` claim the envelope? Addresses compare by mailboxKey (case, IDN, quoting). */
export function wants(manager: ManagerRules, envelope: Envelope): boolean {
  const { to, from } = wanted(manager);
  return envelope.to.some((rcpt) => to.has(mailboxKey(rcpt))) || (envelope.from !== '' && from.has(mailboxKey(envelope.from)));
}

/**
 * The envelope recipients a manager that wants the envelope does not claim: those its
 * messages_we_want.to does not name. A manager that wants the sender claims every recipient.
 */
export function unclaimedRecipients(manager: ManagerRules, envelope: Envelope): string[] {
  const { to, from } = wanted(manager);
  if (envelope.from !== '' && from.has(mailboxKey(envelope.from))) return [];
  return envelope.to.filter((rcpt) => !to.has(mailboxKey(rcpt)));
}

/** The first manager, in config order, that wants the envelope. */
export function wantingManager<M extends ManagerRules>(managers: readonly M[], envelope: Envelope): M | undefined {
  return managers.find((manager) => wants(manager, envelope));
}

/** Whether any rule of the manager reads the body (the router then loads it from the store). */
export function managerNeedsBody(manager: ManagerRules): boolean {
  return manager.rules.some((rule) => rule.filter.function !== undefined && ruleFunction(rule.filter.function)?.needsBody === true);
}

/**
 * Whether routing this message reads its body: a body rule of the taking manager, or an alert
 * parser that reads it (cron's output) — the event is the same whichever manager takes the
 * message, or none. The router and explain both ask this, so they see the same facts.
 */
export function messageNeedsBody(manager: ManagerRules | undefined, facts: MessageFacts): boolean {
  return (manager !== undefined && managerNeedsBody(manager)) || alertEventNeedsBody(facts);
}

/** A rule's name for logs, traces and explain: its `name`, or its position and function. */
export function ruleLabel(manager: ManagerRules, index: number): string {
  const rule = manager.rules[index]!;
  if (rule.name) return rule.name;
  const { function: fn, args, event } = rule.filter;
  const parts = [...(fn !== undefined ? [`${fn}(${args.join(', ')})`] : []), ...(event !== undefined ? [`event(${describeEventFilter(event)})`] : [])];
  return `rules[${index}] ${parts.join(' ')}`;
}
