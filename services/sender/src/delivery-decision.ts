import type { DeliverJob, DeliveryResult, DeliveryState, RecipientOutcome } from '@mailsort/core';
import type { Verdict } from './classify-error.js';
import { outcomeOf } from './recipient-outcome.js';
import { nextRetry, type RetryPolicy } from './retry-schedule.js';

/** What one attempt got: the upstream (or `webhook`), its reply, the classifier's verdict (none: accepted), each recipient's outcome. */
export interface Attempt {
  upstream: string;
  reply: string;
  verdict?: Verdict | undefined;
  recipients: Record<string, RecipientOutcome>;
}

export type DeadCode = 'DELIVERY_PERMANENT' | 'DELIVERY_EXPIRED' | 'MESSAGE_MISSING';

export type AfterAttempt =
  | { kind: 'delivered' }
  | { kind: 'dead'; result: Exclude<DeliveryResult, 'delivered' | 'deferred'>; code: DeadCode; reply: string; reason: string; recipients: Record<string, RecipientOutcome> }
  | { kind: 'retry'; delayMs: number; reason: string; code: 'UPSTREAM_UNKNOWN' | 'DELIVERY_TEMPORARY' };

export interface AfterAttemptInput {
  /** The delivery's record as the attempt began (attempts counted, recipients so far). */
  state: Pick<DeliveryState, 'attempts' | 'firstAttemptAt' | 'recipients'>;
  attempt: Attempt;
  destination: DeliverJob['destination'];
  now: number;
  policy: RetryPolicy;
}

/** Pure: where one attempt leaves its delivery (per recipient for SMTP: only a reply about them decides). */
function resultOf({ attempt, destination }: AfterAttemptInput, recipients: Record<string, RecipientOutcome>): Exclude<DeliveryResult, 'expired'> {
  const perRecipient = destination.kind === 'smtp' && (attempt.verdict === undefined || Object.keys(attempt.recipients).length > 0);
  if (perRecipient && destination.kind === 'smtp') return outcomeOf(recipients, destination.envelope.to);
  if (!attempt.verdict) return 'delivered';
  return attempt.verdict.action === 'fail' ? 'failed' : 'deferred';
}

/**
 * Pure: after an attempt, the delivery is delivered, a dead letter (failed or partial: some
 * recipient refused for good; expired: past the lifetime; a missing message fails), or retried
 * on the schedule. A dead letter's reply is the refusal that made it one.
 */
export function decideAfterAttempt(input: AfterAttemptInput): AfterAttempt {
  const { state, attempt, now, policy } = input;
  const recipients = { ...state.recipients, ...attempt.recipients };
  const result = resultOf(input, recipients);
  if (result === 'delivered') return { kind: 'delivered' };
  if (result === 'partial' || result === 'failed') {
    const rejection = Object.values(recipients).find((outcome) => outcome.status === 'rejected');
    const reply = attempt.verdict || !rejection ? attempt.reply : rejection.reply;
    const code = attempt.verdict?.reason === 'message_missing' ? 'MESSAGE_MISSING' : 'DELIVERY_PERMANENT';
    return { kind: 'dead', result, code, reply, reason: attempt.verdict?.reason ?? result, recipients };
  }
  const retry = nextRetry(policy, state.attempts, state.firstAttemptAt ?? now, now);
  if (!retry.retry) return { kind: 'dead', result: 'expired', code: 'DELIVERY_EXPIRED', reply: attempt.reply, reason: attempt.verdict?.reason ?? 'expired', recipients };
  const reason = attempt.verdict?.reason ?? 'deferred';
  return { kind: 'retry', delayMs: retry.delayMs, reason, code: reason === 'upstream_unknown' ? 'UPSTREAM_UNKNOWN' : 'DELIVERY_TEMPORARY' };
}
