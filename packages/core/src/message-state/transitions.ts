/**
 * Which transitions of a message's state are allowed from which state: the one table the
 * lifecycle's Redis scripts check (they are given the allowed states of their transition).
 *
 * A message is `gone` (never stored, deleted, or expired), `accepted` (stored, not yet
 * routed) or `routed` (its delivery count is set). Each of its deliveries is `queued` (no
 * record yet), `delivering` (attempted, not final), `delivered` (in the ledger) or `dead`
 * (failed, partial or expired: a dead letter). `dropped` is a routing to no delivery: the
 * message goes from accepted to gone. A message routed to a grouped route counts one more
 * part than its deliveries: its grouping part, finished by `fold`.
 */
export const MESSAGE_STATES = ['gone', 'accepted', 'routed'] as const;
export const DELIVERY_STATES = ['queued', 'delivering', 'delivered', 'dead'] as const;

export type MessageState = (typeof MESSAGE_STATES)[number];
export type DeliveryStateName = (typeof DELIVERY_STATES)[number];

interface Transition {
  /** Whose state the script checks. */
  of: 'message' | 'delivery';
  from: readonly (MessageState | DeliveryStateName)[];
  to: MessageState | DeliveryStateName;
  by: 'ingest' | 'router' | 'sender' | 'cli';
}

export const TRANSITIONS = {
  /** ingest's store (with the route job); the id is new, so the state can only be gone. */
  accept: { of: 'message', from: ['gone'], to: 'accepted', by: 'ingest' },
  /** ingest's undo when the store was not confirmed (the client hears 451 and sends again). */
  withdraw: { of: 'message', from: ['accepted', 'routed'], to: 'gone', by: 'ingest' },
  /** The delivery count is set (a router re-run keeps it); with no delivery it is the drop. */
  route: { of: 'message', from: ['accepted', 'routed'], to: 'routed', by: 'router' },
  /** A notification mailsort composed (alert grouping), stored with its delivery count at once; its id is never reused. */
  create: { of: 'message', from: ['gone'], to: 'routed', by: 'router' },
  /** Its dead deliveries forgotten and its count cleared, so the router counts afresh. */
  replay: { of: 'message', from: ['routed'], to: 'accepted', by: 'cli' },
  /** An attempt counted; a delivery the ledger has is counted as finished instead (a re-run). */
  begin: { of: 'delivery', from: ['queued', 'delivering', 'delivered'], to: 'delivering', by: 'sender' },
  /** A temporary failure recorded; the job is retried on the schedule. */
  defer: { of: 'delivery', from: ['delivering'], to: 'delivering', by: 'sender' },
  /**
   * After the upstream's 250: ledger, record, trace and the finished count, in one script.
   * Allowed from queued too: once the upstream said 250 the ledger entry must land.
   */
  deliver: { of: 'delivery', from: ['queued', 'delivering'], to: 'delivered', by: 'sender' },
  /** Failed for good or expired: kept, with its message, for keep_for. */
  deadLetter: { of: 'delivery', from: ['delivering'], to: 'dead', by: 'sender' },
  /**
   * A message's grouping part finished (alert grouping): folded as a duplicate, or carried
   * into a notification. The part is counted like a delivery, so it is never finished twice.
   */
  fold: { of: 'delivery', from: ['queued'], to: 'gone', by: 'router' },
  /** `queue retry`: a fresh lifetime; recipients already accepted stay accepted. */
  retry: { of: 'delivery', from: ['queued', 'delivering', 'dead'], to: 'delivering', by: 'cli' },
  /** `queue delete`: the record goes and the delivery counts as finished (also the sender's end of a canary probe that failed). */
  delete: { of: 'delivery', from: ['queued', 'delivering', 'dead'], to: 'gone', by: 'cli' },
} as const satisfies Record<string, Transition>;

export type TransitionName = keyof typeof TRANSITIONS;

/** Pure: whether `transition` may run from `state`. */
export function allowed(transition: TransitionName, state: MessageState | DeliveryStateName): boolean {
  return (TRANSITIONS[transition].from as readonly string[]).includes(state);
}

/** The allowed states as the scripts read them: `|a|b|`, matched with `|state|`. */
export function allowedArg(transition: TransitionName): string {
  return `|${TRANSITIONS[transition].from.join('|')}|`;
}
