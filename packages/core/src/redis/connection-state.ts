import type { ErrorCode } from '../errors.js';

/** What one ioredis connection is doing, as far as the logs are concerned. */
export type ConnectionState = 'starting' | 'up' | 'down' | 'reconnecting' | 'closed';

/** The ioredis events that move it: 'close' is not one, a deliberate quit closes too. */
export type ConnectionEvent = 'ready' | 'error' | 'reconnecting' | 'end';

export interface ConnectionLog {
  level: 'warn' | 'info';
  code: ErrorCode;
  msg: string;
}

export interface Transition {
  state: ConnectionState;
  /** At most one line per change of state; none while it stays put (every retry, every error). */
  log?: ConnectionLog;
}

const DOWN: ConnectionLog = { level: 'warn', code: 'REDIS_UNAVAILABLE', msg: 'redis connection lost' };
const RECONNECTING: ConnectionLog = { level: 'info', code: 'REDIS_RECONNECTING', msg: 'redis connection reconnecting' };
const UP: ConnectionLog = { level: 'info', code: 'REDIS_RECONNECTED', msg: 'redis connection back' };

/**
 * The next state of a connection and the one log line the change deserves. ioredis emits an
 * 'error' for every failed retry and 'reconnecting' before each one; only the first of each
 * after the connection was up says anything new.
 */
export function nextConnectionState(state: ConnectionState, event: ConnectionEvent): Transition {
  if (event === 'end') return { state: 'closed' };
  if (event === 'ready') return state === 'down' || state === 'reconnecting' ? { state: 'up', log: UP } : { state: 'up' };
  if (event === 'error') return state === 'up' || state === 'starting' ? { state: 'down', log: DOWN } : { state };
  // 'reconnecting' straight from up: the socket closed without an error (Redis was killed).
  if (state === 'up' || state === 'starting') return { state: 'reconnecting', log: DOWN };
  if (state === 'down') return { state: 'reconnecting', log: RECONNECTING };
  // After 'end' a client only reconnects when its owner asks (BullMQ's blocking connection).
  return { state };
}
