import { rejection, type IngestUser, type Refusal, type RejectReason } from '@mailsort/core';
import { senderAllowed } from './sender-policy.js';

/** Who the session is when a check runs: the same facts at MAIL, at RCPT and when the message is accepted. */
export interface IdentityFacts {
  user: IngestUser | undefined;
  trusted: boolean;
}

/** An authenticated user may only use its allowed senders; anyone else may use any (relay is decided at RCPT). */
export function senderRefusal({ user }: IdentityFacts, from: string): Refusal<RejectReason> | undefined {
  if (!user || senderAllowed(user.allowed_senders, from)) return undefined;
  return rejection('sender_not_allowed', from, user.username);
}

/** Only trusted or authenticated clients may relay. */
export function relayRefusal({ user, trusted }: IdentityFacts): Refusal<RejectReason> | undefined {
  if (user || trusted) return undefined;
  return rejection('relay_denied');
}

/**
 * What may refuse a message once DATA is complete, before any rate reservation: the sender
 * and relay checks of MAIL and RCPT, against the identity in force now.
 */
export function acceptRefusal(facts: IdentityFacts, from: string): Refusal<RejectReason> | undefined {
  return relayRefusal(facts) ?? senderRefusal(facts, from);
}
