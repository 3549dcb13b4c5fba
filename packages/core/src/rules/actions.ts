import { parseMailbox } from '../mail/mailbox.js';
import type { WebhookAction } from './types.js';

export type ParsedAction = { kind: 'mailto'; addresses: string[] } | WebhookAction;

// No blanks, no header or list punctuation: an address from a rule can only ever become one
// recipient and can never break the To header it is written into.
const ADDRESS = /^[^\s@<>,;:"()\\[\]]+@[^\s@<>,;:"()\\[\]]+$/;
const WEBHOOK_NAME = /^[A-Za-z0-9_.#-]+$/;

export function isSafeAddress(address: string): boolean {
  return ADDRESS.test(address);
}

/**
 * `mailto:a@example.com[,b@example.com]`, `slack:NAME[:brief|full]`, `webhook:NAME[:brief|full]`.
 * Returns a message for anything else.
 */
export function parseAction(text: string): ParsedAction | { error: string } {
  const colon = text.indexOf(':');
  const scheme = colon === -1 ? '' : text.slice(0, colon).toLowerCase();
  const rest = colon === -1 ? '' : text.slice(colon + 1);
  if (scheme === 'mailto') {
    const addresses = rest.split(',').map((address) => address.trim());
    const parsed = addresses.map((address) => parseMailbox(address));
    const bad = addresses.filter((address, index) => !isSafeAddress(address) || !parsed[index]!.ok);
    if (bad.length > 0) return { error: `${JSON.stringify(text)}: not an e-mail address: ${bad.map((b) => JSON.stringify(b)).join(', ')}` };
    // Recipients from rules are sent in the same canonical spelling as those from ingest.
    return { kind: 'mailto', addresses: parsed.map((result) => (result as { address: string }).address) };
  }
  if (scheme === 'slack' || scheme === 'webhook') {
    const [webhook = '', style = 'brief', ...extra] = rest.split(':');
    if (!WEBHOOK_NAME.test(webhook)) return { error: `${JSON.stringify(text)}: name a webhook from routing.webhooks after "${scheme}:"` };
    if ((style !== 'brief' && style !== 'full') || extra.length > 0) return { error: `${JSON.stringify(text)}: the style after the webhook name is brief or full` };
    return { kind: 'webhook', webhook, format: scheme === 'slack' ? 'slack' : 'json', style };
  }
  return { error: `${JSON.stringify(text)}: unknown action (use mailto:, slack: or webhook:)` };
}
