import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { headerBytes, jobId, MailsortError, newMessageId, type CanaryStore, type Config, type IngestMetrics, type MessageLifecycle, type RouteJob, type ShardQueues } from '@mailsort/core';
import { sessionEnvelope } from './envelope-address.js';
import { receivedHeader } from './received-header.js';
import { messageParts } from './message-parts.js';
import { storeWithin } from './store-within.js';
import type { ConnectionGeneration } from './connection-generation.js';
import { holdMs, type HeldJob, type ReplicaAck } from './replica-ack.js';
import { sessionUser } from './session-policy.js';

export interface ReadMessage {
  /** The DATA bytes as they came, not yet joined: the one copy is made with the Received: header. */
  chunks: Buffer[];
  /** Bytes the client sent, counted even past the limit. */
  bytes: number;
  tooBig: boolean;
}

/** Reads DATA; past the size limit the bytes are counted but no longer kept. */
export function readMessage(stream: SMTPServerDataStream): Promise<ReadMessage> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (!stream.sizeExceeded) chunks.push(chunk);
    });
    stream.on('end', () => resolve({ chunks, bytes, tooBig: stream.sizeExceeded }));
    stream.on('error', reject);
  });
}

export function tlsFacts(session: SMTPServerSession): { protocol: string; cipher: string } | undefined {
  const cipher = session.tlsOptions;
  return session.secure && cipher ? { protocol: cipher.version, cipher: cipher.name } : undefined;
}

export interface AcceptDeps {
  config: Config;
  lifecycle: MessageLifecycle;
  /** The route queue of each shard (redis.shards). */
  routeQueues: ShardQueues;
  /** The shard of the next message. */
  nextShard: () => number;
  metrics: IngestMetrics;
  canary: CanaryStore;
  /** The WAIT for redis.min_replicas_acked replicas, and the hold on the route job until it answered. */
  replicas: ReplicaAck;
  /** Of the connection lifecycle and routeQueue write on: a drop fails the accept at once. */
  acceptorGeneration: ConnectionGeneration;
  /** Sentinel failovers begun and whether one is under way (RedisFactory.failover). */
  failover: () => { begun: number; underWay: boolean };
}

/**
 * Stores the message with its Received: header and adds its route job; resolves with the
 * queue id only once both are in Redis. A header section over `max_header_size` is refused
 * (MESSAGE_TOO_BIG) before anything is written: the route job carries it.
 */
export async function acceptMessage(
  chunks: Buffer[],
  session: SMTPServerSession,
  { config, lifecycle, routeQueues, nextShard, metrics, canary, replicas, acceptorGeneration, failover }: AcceptDeps,
): Promise<string> {
  const id = newMessageId(Date.now(), nextShard());
  const routeQueue = routeQueues.forId(id);
  const acceptedAt = Date.now();
  const user = sessionUser(session);
  const tls = tlsFacts(session);
  const envelope = sessionEnvelope(session);
  const helo = session.hostNameAppearsAs || undefined;
  const clientHostname = session.clientHostname && session.clientHostname !== `[${session.remoteAddress}]` ? session.clientHostname : undefined;
  const trace = receivedHeader({
    helo,
    clientHostname,
    clientAddress: session.remoteAddress,
    byHostname: config.ingest.hostname,
    id,
    tls,
    user,
    recipients: envelope.to,
    date: new Date(acceptedAt),
  });
  // Header lines end in CRLF from here on, so every reader sees the lines the upstream will.
  const { parts, size, headers } = messageParts(headerBytes(trace), chunks, config.ingest.limits.max_header_size);
  const job: RouteJob = {
    v: 1,
    id,
    envelope,
    acceptedAt,
    size,
    client: {
      address: session.remoteAddress,
      tls: tls !== undefined,
      ...(clientHostname ? { hostname: clientHostname } : {}),
      ...(helo ? { helo } : {}),
      ...(user ? { user } : {}),
    },
    headers,
  };
  // One connection, so Redis runs the SET before the job is added (a job never points at a
  // message that was not stored), a WAIT for the replicas after both, and a withdrawal after
  // that. On a Redis Cluster the message and its shard's route queue share a hash tag, hence a
  // node and that node's one connection. With a WAIT the job is held (delayed) until ingest has
  // answered: a router must not deliver a message the client is about to hear 451 for, and send again.
  const routeJobId = jobId('route', id);
  const wroteOn = acceptorGeneration.current();
  // Once a Sentinel promotes a replica, the old master (and a replica still following it)
  // takes and acknowledges writes that the switch throws away: no 250 for one made then.
  const before = failover();
  if (before.underWay) throw new MailsortError('REDIS_UNAVAILABLE', 'a Sentinel failover is under way: a write now may land on the old master only');
  const hold = replicas.holds ? { delay: holdMs(config.ingest.limits.store_timeout, config.redis) } : {};
  let routeJob: HeldJob | undefined;
  const add = () => routeQueue.add('message', job, { jobId: routeJobId, ...hold });
  // On a Redis Cluster that order does not hold: the commands a dead master never answered
  // are sent again after the failover, each on its own retry, and may reach the new master in
  // either order (a route job before its message is routed as missing: lost after a 250). So
  // there the job is added only once the message is stored, one round trip more.
  const write = config.redis.cluster_nodes?.length ? lifecycle.accept(id, parts).then(add) : Promise.all([lifecycle.accept(id, parts), add()]).then(([, added]) => added);
  const stored = write.then(async (added) => {
    routeJob = added;
    await replicas.confirm(wroteOn);
    // A failover begun meanwhile: the WAIT may have counted a replica of the old master. Only
    // a held route job can be withdrawn before a router takes it (with N = 0 it is not held).
    const now = failover();
    if (replicas.holds && (now.begun !== before.begun || now.underWay))
      throw new MailsortError('REDIS_UNAVAILABLE', "a Sentinel failover began before the replicas confirmed the write: they may be the old master's");
  });
  await storeWithin(acceptorGeneration.guard(wroteOn, stored), config.ingest.limits.store_timeout, () => withdraw(id, routeJobId, { lifecycle, routeQueues }));
  if (routeJob && replicas.holds) replicas.release(routeJob);
  // A canary probe counts only in the canary's metrics (docs/guards.md); the look-up is made
  // only for a mail that carries the canary header, and a failed one counts the mail as any other.
  if (!(await isCanary(canary, headers, envelope))) {
    metrics.accepted.inc({ via: user ? 'authenticated' : 'trusted' });
    metrics.bytes.inc(size);
    metrics.acceptDuration.observe((Date.now() - acceptedAt) / 1000);
  }
  return id;
}

async function isCanary(canary: CanaryStore, headers: string, envelope: RouteJob['envelope']): Promise<boolean> {
  if (!/^x-mailsort-canary:/im.test(headers)) return false;
  return (await canary.find(headers, envelope).catch(() => undefined)) !== undefined;
}

/** Removes a message whose store was not confirmed: its route job if no router took it yet, and the message, so a router that did finds it gone. */
async function withdraw(id: string, routeJobId: string, { lifecycle, routeQueues }: Pick<AcceptDeps, 'lifecycle' | 'routeQueues'>): Promise<void> {
  // Runs twice (see storeWithin): the second finds the message gone, a refusal with nothing to undo.
  await Promise.allSettled([lifecycle.withdraw(id), routeQueues.forId(id).remove(routeJobId)]);
}
