import { mailboxKey } from '../mail/mailbox.js';
import type { DeadContact, Destination, Envelope } from '../queues/payloads.js';
import { isSafeAddress } from './actions.js';
import type { DeadContacts, Decision } from './types.js';

export interface DestinationSettings {
  defaultUpstream: string;
  webhooks: ReadonlyArray<{ name: string; url: string }>;
}

/**
 * Where a decision sends the message. Passthrough: the default upstream with the accepted
 * envelope and no rewrite. Deliver: one SMTP delivery to all recipients with To/From rewritten
 * as mail2alert did (To = the recipients, From = the envelope sender), plus one per webhook.
 * Envelope recipients the manager did not claim go unchanged to the default upstream, unless
 * the manager drops them (other_recipients: drop, mail2alert's model).
 */
export function destinationsFor(decision: Decision, envelope: Envelope, settings: DestinationSettings): Destination[] {
  const { routed, others } = splitDestinations(decision, envelope, settings);
  return [...routed, ...others];
}

/**
 * The same destinations in two parts: where the deciding route sends the message (what alert
 * grouping holds back), and the recipients no rule claimed (always sent at once).
 */
export function splitDestinations(decision: Decision, envelope: Envelope, settings: DestinationSettings): { routed: Destination[]; others: Destination[] } {
  const others = othersDestination(decision, envelope, settings);
  if (decision.action === 'drop') return { routed: [], others };
  if (decision.action === 'passthrough') return { routed: [{ kind: 'smtp', upstream: settings.defaultUpstream, envelope }], others: [] };
  const routed: Destination[] = [];
  const onDead = deadContactsOf(decision.onDead, settings);
  const contacts = onDead.length > 0 ? { onDead } : {};
  if (decision.recipients.length > 0) {
    const set: Record<string, string> = { To: decision.recipients.join(', ') };
    // The null sender (bounces) or an address that could not stand alone in a header keeps the original From.
    if (isSafeAddress(envelope.from)) set.From = envelope.from;
    routed.push({ kind: 'smtp', upstream: settings.defaultUpstream, envelope: { from: envelope.from, to: decision.recipients }, rewrites: { set, remove: [] }, ...contacts });
  }
  for (const action of decision.webhooks) {
    const webhook = settings.webhooks.find((candidate) => candidate.name === action.webhook);
    if (webhook) routed.push({ kind: 'webhook', url: webhook.url, format: action.format, style: action.style, ...contacts });
  }
  return { routed, others };
}

/** A route's on_dead resolved to what the sender needs: the addresses, and each webhook's URL. */
function deadContactsOf(contacts: DeadContacts | undefined, settings: DestinationSettings): DeadContact[] {
  if (!contacts) return [];
  const resolved: DeadContact[] = contacts.recipients.length > 0 ? [{ kind: 'mailto', to: contacts.recipients }] : [];
  for (const action of contacts.webhooks) {
    const webhook = settings.webhooks.find((candidate) => candidate.name === action.webhook);
    if (webhook) resolved.push({ kind: 'webhook', url: webhook.url, format: action.format, style: action.style });
  }
  return resolved;
}

/** The recipients the manager did not claim, unchanged, as passthrough mail; none already a rule's recipient. */
function othersDestination(decision: Decision, envelope: Envelope, settings: DestinationSettings): Destination[] {
  if (decision.others?.action !== 'deliver') return [];
  const known = new Set(decision.recipients.map(mailboxKey));
  const to = decision.others.addresses.filter((address) => !known.has(mailboxKey(address)));
  return to.length > 0 ? [{ kind: 'smtp', upstream: settings.defaultUpstream, envelope: { from: envelope.from, to } }] : [];
}
