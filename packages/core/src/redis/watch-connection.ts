import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { nextConnectionState, type ConnectionEvent, type ConnectionState } from './connection-state.js';

/** How a process's connections are told apart in its logs: `role` (producer, worker, …) and ioredis's connection name. */
export interface ConnectionLabel {
  role: string;
  connection: string;
}

export interface ConnectionWatch {
  readonly state: ConnectionState;
}

const watches = new WeakMap<object, { logger: Logger; label: ConnectionLabel; isUp: () => boolean }>();

/**
 * Logs each change of a connection's state once, as a JSON line with a code (REDIS_UNAVAILABLE,
 * REDIS_RECONNECTING, REDIS_RECONNECTED), the error's message and never its stack; the listener
 * on 'error' also keeps ioredis from printing "Unhandled error event" for every retry.
 */
export function watchConnection(redis: Redis, logger: Logger, label: ConnectionLabel, isUp: () => boolean): ConnectionWatch {
  let state: ConnectionState = 'starting';
  let downSince = 0;
  const on = (event: ConnectionEvent, error?: Error) => {
    const next = nextConnectionState(state, event);
    state = next.state;
    if (!next.log) return;
    if (next.log.code === 'REDIS_UNAVAILABLE') downSince = Date.now();
    const downForMs = next.log.code === 'REDIS_RECONNECTED' && downSince > 0 ? Date.now() - downSince : undefined;
    logger[next.log.level]({ code: next.log.code, ...label, error: error?.message, downForMs }, next.log.msg);
  };
  redis.on('ready', () => on('ready'));
  redis.on('error', (error: Error) => on('error', error));
  redis.on('reconnecting', () => on('reconnecting'));
  redis.on('end', () => on('end'));
  watches.set(redis, { logger, label, isUp });
  return {
    get state() {
      return state;
    },
  };
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);
const CONNECTION_MESSAGES = /Connection is closed|Stream isn't writeable|max retries per request|Command timed out|Connection in subscriber mode/i;

/** An error that only says the connection is away: its connection's watch has said so already. */
export function isConnectionError(error: unknown): boolean {
  const { code, message, name } = (error ?? {}) as { code?: unknown; message?: unknown; name?: unknown };
  return (typeof code === 'string' && CONNECTION_CODES.has(code)) || name === 'MaxRetriesPerRequestError' || (typeof message === 'string' && CONNECTION_MESSAGES.test(message));
}

interface ErrorEmitter {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Routes a BullMQ Queue's or Worker's 'error' events through the logger of the connection it
 * was given. Without a listener BullMQ prints each one with console.error, stack and all. The
 * ones that repeat a connection's state go to debug; so do those raised while Redis is away
 * (a lock BullMQ could not renew); anything else is a warning with a code.
 */
export function observeBullmq(target: ErrorEmitter, connection: unknown, what: string): void {
  const watch = typeof connection === 'object' && connection !== null ? watches.get(connection) : undefined;
  if (!watch) return;
  target.on('error', (error) => {
    const quiet = isConnectionError(error) || !watch.isUp();
    watch.logger[quiet ? 'debug' : 'warn']({ code: quiet ? 'REDIS_UNAVAILABLE' : 'QUEUE_ERROR', ...watch.label, what, error: error.message }, `${what}: ${error.message}`);
  });
}
