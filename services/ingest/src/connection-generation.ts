import { EventEmitter } from 'node:events';
import { MailsortError } from '@mailsort/core';

/** What a connection's generation is read from: an ioredis connection's own events. */
export type ConnectionEvents = Pick<EventEmitter, 'on'>;

export interface ConnectionGeneration {
  /** Read before a write starts: a later value means the connection dropped since. */
  current(): number;
  /**
   * `work`, unless the connection drops after `since` before it settles (or already has):
   * then REDIS_UNAVAILABLE at once. With `autoResendUnfulfilledCommands` off, ioredis neither
   * re-sends nor settles a command that was in flight when its connection dropped.
   */
  guard<T>(since: number, work: Promise<T>): Promise<T>;
  /** Called on every drop, after the generation moved on. */
  onDrop(listener: () => void): void;
}

/**
 * Counts the drops of one connection ('close', 'reconnecting': both mean that what it sent
 * before may be gone, on a master that is no longer the one it talks to). A reply that comes
 * on a later generation than its write says nothing about that write.
 */
export function connectionGeneration(connection: ConnectionEvents): ConnectionGeneration {
  let generation = 0;
  const dropped = new EventEmitter();
  dropped.setMaxListeners(0);
  const bump = () => {
    generation += 1;
    dropped.emit('drop');
  };
  connection.on('close', bump);
  connection.on('reconnecting', bump);
  const lost = () => new MailsortError('REDIS_UNAVAILABLE', 'the connection to Redis dropped before the write was confirmed');
  return {
    current: () => generation,
    onDrop(listener) {
      dropped.on('drop', listener);
    },
    guard(since, work) {
      if (generation !== since) {
        work.catch(() => undefined);
        return Promise.reject(lost());
      }
      return new Promise((resolve, reject) => {
        const onDrop = () => reject(lost());
        dropped.once('drop', onDrop);
        work.then(resolve, reject).finally(() => dropped.off('drop', onDrop));
      });
    },
  };
}
