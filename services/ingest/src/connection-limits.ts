import { connectionRefusalFor, type ConnectionRefusedReason, type IngestConfig, type Refusal } from '@mailsort/core';

type Limits = IngestConfig['limits'];

/** Slots of max_connections that only trusted clients may take (default: a tenth). */
export function reservedForTrusted(limits: Limits): number {
  return limits.reserved_for_trusted ?? Math.floor(limits.max_connections / 10);
}

/** Sessions open on this replica when a new one asks to start (the new one not counted). */
export interface OpenSessions {
  /** From the same client address. */
  fromClient: number;
  /** From untrusted addresses, all together. */
  untrusted: number;
  /** From anyone. */
  total: number;
}

/**
 * Whether a new session may start: one client address holds at most
 * max_connections_per_client (trusted networks exempt unless limit_trusted_clients), and
 * untrusted clients together leave reserved_for_trusted slots free, and no more than
 * max_connections sessions are open at all.
 */
export function connectionRefusal(open: OpenSessions, trusted: boolean, limits: Limits): Refusal<ConnectionRefusedReason> | undefined {
  if (open.total >= limits.max_connections) return connectionRefusalFor('max_connections');
  if ((!trusted || limits.limit_trusted_clients) && open.fromClient >= limits.max_connections_per_client) return connectionRefusalFor('per_client');
  if (!trusted && open.untrusted >= limits.max_connections - reservedForTrusted(limits)) return connectionRefusalFor('untrusted_slots');
  return undefined;
}

/** Whether a DATA transfer is too slow: below min_data_rate on average, once the grace has passed. */
export function dataTooSlow(bytes: number, elapsedMs: number, limits: Pick<Limits, 'min_data_rate' | 'data_rate_grace'>): boolean {
  if (limits.min_data_rate === 0 || elapsedMs < limits.data_rate_grace) return false;
  return bytes / (elapsedMs / 1000) < limits.min_data_rate;
}
