export interface RetryPolicy {
  /** Delays in ms before retry 1, 2, …; the last repeats. */
  schedule: readonly number[];
  maxLifetimeMs: number;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: 'expired' };

/**
 * Pure: after failed attempt number `attempts` (1-based) of a delivery first tried at
 * `firstAttemptAt`, wait the scheduled delay — but never past the lifetime, so the last attempt
 * happens at its edge — or give up as expired once the lifetime has passed.
 */
export function nextRetry(policy: RetryPolicy, attempts: number, firstAttemptAt: number, now: number): RetryDecision {
  const deadline = firstAttemptAt + policy.maxLifetimeMs;
  if (now >= deadline) return { retry: false, reason: 'expired' };
  const index = Math.min(Math.max(attempts, 1), policy.schedule.length) - 1;
  const scheduled = policy.schedule[index] ?? 0;
  return { retry: true, delayMs: Math.max(1, Math.min(scheduled, deadline - now)) };
}
