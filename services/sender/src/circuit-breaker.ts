export interface BreakerOptions {
  /** Upstream-level failures in a row that open the breaker. */
  failures: number;
  openForMs: number;
  now?: () => number;
  /** Told whenever an upstream's breaker opens (true) or closes (false). */
  onChange?: (upstream: string, open: boolean) => void;
}

/**
 * Per-process circuit breaker per upstream. Closed: every delivery tries it. After `failures`
 * connection-level failures in a row it opens and is skipped for `openForMs`; then it is
 * half-open: deliveries try it again, one success closes it, one failure opens it again.
 */
export function createCircuitBreaker({ failures, openForMs, now = Date.now, onChange }: BreakerOptions) {
  const states = new Map<string, { failures: number; openUntil: number }>();
  const stateOf = (upstream: string) => {
    let state = states.get(upstream);
    if (!state) {
      state = { failures: 0, openUntil: 0 };
      states.set(upstream, state);
    }
    return state;
  };
  return {
    isOpen(upstream: string): boolean {
      const state = stateOf(upstream);
      if (state.openUntil === 0) return false;
      if (now() < state.openUntil) return true;
      // Half-open: let deliveries probe it; the gauge stays 1 until one succeeds.
      return false;
    },
    success(upstream: string): void {
      const state = stateOf(upstream);
      const wasOpen = state.openUntil !== 0;
      state.failures = 0;
      state.openUntil = 0;
      if (wasOpen) onChange?.(upstream, false);
    },
    failure(upstream: string): void {
      const state = stateOf(upstream);
      state.failures += 1;
      const halfOpen = state.openUntil !== 0 && now() >= state.openUntil;
      if (state.failures >= failures || halfOpen) {
        const wasOpen = state.openUntil !== 0;
        state.openUntil = now() + openForMs;
        if (!wasOpen) onChange?.(upstream, true);
      }
    },
  };
}

export type CircuitBreaker = ReturnType<typeof createCircuitBreaker>;
