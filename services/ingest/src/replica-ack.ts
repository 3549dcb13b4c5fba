import { MailsortError, type Config, type RedisFactory } from '@mailsort/core';

type Connection = ReturnType<RedisFactory['connect']>;

/**
 * With `redis.min_replicas_acked: N`, the step between "the master has it" and 250: WAIT on
 * the connection that wrote the message and its route job (WAIT counts the replicas that have
 * every write this connection made so far). Fewer than N in `replica_ack_timeout` throws
 * REPLICA_ACK_TIMEOUT, and the accept withdraws what it stored. With N = 0 it does nothing.
 */
export function replicaAck(acceptor: Connection, { min_replicas_acked: replicas, replica_ack_timeout: timeoutMs }: Config['redis']): () => Promise<void> {
  if (replicas === 0) return () => Promise.resolve();
  return async () => {
    const acked = Number(await acceptor.call('WAIT', replicas, timeoutMs));
    if (acked < replicas) {
      throw new MailsortError('REPLICA_ACK_TIMEOUT', `${acked} of the ${replicas} replicas redis.min_replicas_acked asks for confirmed the message within ${timeoutMs} ms`);
    }
  };
}
