import type { ErrorCode, IngestUser } from '@mailsort/core';
import { senderAllowed } from './sender-policy.js';

/** A refusal as the client sees it, with what the log and the metric say about it. */
export interface Refusal {
  code: number;
  text: string;
  reason: string;
  errorCode: ErrorCode;
}

/** Who the session is when a check runs: the same facts at MAIL, at RCPT and when the message is accepted. */
export interface IdentityFacts {
  user: IngestUser | undefined;
  trusted: boolean;
}

/** An authenticated user may only use its allowed senders; anyone else may use any (relay is decided at RCPT). */
export function senderRefusal({ user }: IdentityFacts, from: string): Refusal | undefined {
  if (!user || senderAllowed(user.allowed_senders, from)) return undefined;
  return { code: 553, text: `5.7.1 Sender address <${from}> is not allowed for user ${user.username}`, reason: 'sender_not_allowed', errorCode: 'SENDER_NOT_ALLOWED' };
}

/** Only trusted or authenticated clients may relay. */
export function relayRefusal({ user, trusted }: IdentityFacts): Refusal | undefined {
  if (user || trusted) return undefined;
  return { code: 550, text: '5.7.1 Relay access denied: authenticate (AUTH after STARTTLS) or send from a trusted network', reason: 'relay_denied', errorCode: 'RELAY_DENIED' };
}

export function rateLimitRefusal(user: IngestUser): Refusal {
  return { code: 450, text: `4.7.1 Rate limit for user ${user.username} exceeded, try again later`, reason: 'rate_limited', errorCode: 'RATE_LIMITED' };
}

export const REDIS_UNAVAILABLE_REFUSAL: Refusal = { code: 451, text: '4.3.0 Temporary failure, try again later', reason: 'redis_unavailable', errorCode: 'REDIS_UNAVAILABLE' };

/**
 * What may refuse a message once DATA is complete, before any rate reservation: the sender
 * and relay checks of MAIL and RCPT, against the identity in force now.
 */
export function acceptRefusal(facts: IdentityFacts, from: string): Refusal | undefined {
  return relayRefusal(facts) ?? senderRefusal(facts, from);
}
