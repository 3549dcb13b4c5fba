const WINDOW_MS = 5 * 60_000;
const MAX_FAILURES = 10;
const MAX_KEYS = 10_000;
/** bcryptjs is pure JS on the console's only thread: a few compares at once keep the pages answering. */
const MAX_IN_FLIGHT = 4;
const MAX_IN_FLIGHT_PER_ADDRESS = 2;

export type LoginAdmission = { ok: true; release: (succeeded: boolean) => void } | { ok: false; why: 'rate_limited' | 'busy' };

/**
 * Login attempts per client address and per user name in a window (per console process). An
 * attempt is counted before its password is compared, so parallel guesses cannot slip past the
 * limit; a success forgets the failures. The table evicts its oldest entries, never all at once.
 */
export function createLoginThrottle(now = () => Date.now()) {
  const attempts = new Map<string, { count: number; since: number }>();
  const inFlight = new Map<string, number>();
  let inFlightTotal = 0;

  function count(key: string): number {
    const entry = attempts.get(key);
    if (!entry || now() - entry.since > WINDOW_MS) {
      attempts.delete(key);
      attempts.set(key, { count: 1, since: now() });
      while (attempts.size > MAX_KEYS) attempts.delete(attempts.keys().next().value as string);
      return 1;
    }
    entry.count += 1;
    return entry.count;
  }
  const over = (key: string) => {
    const entry = attempts.get(key);
    return entry !== undefined && now() - entry.since <= WINDOW_MS && entry.count >= MAX_FAILURES;
  };

  return {
    admit(address: string, user: string): LoginAdmission {
      const byAddress = `a:${address}`;
      const byUser = `u:${user.slice(0, 64)}`;
      if (over(byAddress) || over(byUser)) return { ok: false, why: 'rate_limited' };
      const mine = inFlight.get(address) ?? 0;
      if (inFlightTotal >= MAX_IN_FLIGHT || mine >= MAX_IN_FLIGHT_PER_ADDRESS) return { ok: false, why: 'busy' };
      count(byAddress);
      count(byUser);
      inFlightTotal += 1;
      inFlight.set(address, mine + 1);
      let released = false;
      return {
        ok: true,
        release(succeeded) {
          if (released) return;
          released = true;
          inFlightTotal -= 1;
          const left = (inFlight.get(address) ?? 1) - 1;
          if (left <= 0) inFlight.delete(address);
          else inFlight.set(address, left);
          if (succeeded) {
            attempts.delete(byAddress);
            attempts.delete(byUser);
          }
        },
      };
    },
    /** How many addresses and names it tracks (bounded by MAX_KEYS). */
    size: () => attempts.size,
  };
}
