import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import {
  headerSection, jobId, MailsortError, newMessageId, type createQueue, type Config, type IngestMetrics, type MessageStore, type RouteJob,
} from '@mailsort/core';
import { receivedHeader } from './received-header.js';
import { storeWithin } from './store-within.js';
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
  store: MessageStore;
  routeQueue: ReturnType<typeof createQueue>;
  metrics: IngestMetrics;
}

/**
 * Stores the message with its Received: header and adds its route job; resolves with the
 * queue id only once both are in Redis. A header section over `max_header_size` is refused
 * (MESSAGE_TOO_BIG) before anything is written: the route job carries it.
 */
export async function acceptMessage(chunks: Buffer[], session: SMTPServerSession, { config, store, routeQueue, metrics }: AcceptDeps): Promise<string> {
  const id = newMessageId();
  const acceptedAt = Date.now();
  const user = sessionUser(session);
  const tls = tlsFacts(session);
  const envelope = {
    from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
  };
  const helo = session.hostNameAppearsAs || undefined;
  const clientHostname = session.clientHostname && session.clientHostname !== `[${session.remoteAddress}]` ? session.clientHostname : undefined;
  const trace = receivedHeader({
    helo, clientHostname, clientAddress: session.remoteAddress, byHostname: config.ingest.hostname,
    id, tls, user, recipients: envelope.to, date: new Date(acceptedAt),
  });
  const parts = messageParts(Buffer.from(trace, 'latin1'), chunks);
  const size = parts.reduce((sum, part) => sum + part.length, 0);
  const headers = boundedHeaderSection(parts, config.ingest.limits.max_header_size);
  const job: RouteJob = {
    v: 1, id, envelope, acceptedAt, size,
    client: {
      address: session.remoteAddress, tls: tls !== undefined,
      ...(clientHostname ? { hostname: clientHostname } : {}), ...(helo ? { helo } : {}), ...(user ? { user } : {}),
    },
    headers,
  };
  // One connection, so Redis runs the SET before the job is added (a job never points at a
  // message that was not stored), and a withdrawal after both.
  const routeJobId = jobId('route', id);
  await storeWithin(
    Promise.all([store.put(id, parts), routeQueue.add('message', job, { jobId: routeJobId })]),
    config.ingest.limits.store_timeout,
    () => withdraw(id, routeJobId, { store, routeQueue }),
  );
  metrics.accepted.inc({ via: user ? 'authenticated' : 'trusted' });
  metrics.bytes.inc(size);
  metrics.acceptDuration.observe((Date.now() - acceptedAt) / 1000);
  return id;
}

/** Removes a message whose store was not confirmed: its route job if no router took it yet, and the message, so a router that did finds it gone. */
async function withdraw(id: string, routeJobId: string, { store, routeQueue }: Pick<AcceptDeps, 'store' | 'routeQueue'>): Promise<void> {
  await Promise.allSettled([store.delete(id), routeQueue.remove(routeJobId)]);
}

// Below this a message is joined into one buffer (one SET); above it, it is stored as its
// parts so that ingest never holds a joined copy beside ioredis's write buffer.
const JOIN_BELOW = 1024 * 1024;

function messageParts(trace: Buffer, chunks: Buffer[]): Buffer[] {
  const parts = [trace, ...chunks];
  chunks.length = 0;
  return parts.reduce((sum, part) => sum + part.length, 0) < JOIN_BELOW ? [Buffer.concat(parts)] : parts;
}

/** The header section (latin1), read from the first parts only; MESSAGE_TOO_BIG when it runs past `limit`. */
function boundedHeaderSection(parts: Buffer[], limit: number): string {
  const head: Buffer[] = [];
  let length = 0;
  for (const part of parts) {
    if (length > limit) break;
    head.push(part);
    length += part.length;
  }
  const whole = head.length === parts.length;
  let joined = head.length === 1 ? head[0]! : Buffer.concat(head);
  // Only whole lines are judged: a line cut at the end of what was read could look like body.
  if (!whole) joined = joined.subarray(0, joined.lastIndexOf(0x0a) + 1);
  const headers = headerSection(joined);
  // A section that reaches the end of what was read may go on in the parts not read.
  if (headers.length > limit || (!whole && headers.length === joined.length)) {
    throw new MailsortError('MESSAGE_TOO_BIG', `header section exceeds ${limit} bytes`);
  }
  return headers;
}
