import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import {
  headerBytes, headerSection, jobId, normaliseHeaderBlock, newMessageId, type createQueue, type Config, type IngestMetrics, type MessageStore, type RouteJob,
} from '@mailsort/core';
import { sessionEnvelope } from './envelope-address.js';
import { receivedHeader } from './received-header.js';
import { sessionUser } from './session-policy.js';

export interface ReadMessage {
  raw: Buffer;
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
    stream.on('end', () => resolve({ raw: Buffer.concat(chunks), bytes, tooBig: stream.sizeExceeded }));
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
 * queue id only once both are in Redis.
 */
export async function acceptMessage(raw: Buffer, session: SMTPServerSession, { config, store, routeQueue, metrics }: AcceptDeps): Promise<string> {
  const id = newMessageId();
  const acceptedAt = Date.now();
  const user = sessionUser(session);
  const tls = tlsFacts(session);
  const envelope = sessionEnvelope(session);
  const helo = session.hostNameAppearsAs || undefined;
  const clientHostname = session.clientHostname && session.clientHostname !== `[${session.remoteAddress}]` ? session.clientHostname : undefined;
  const trace = receivedHeader({
    helo, clientHostname, clientAddress: session.remoteAddress, byHostname: config.ingest.hostname,
    id, tls, user, recipients: envelope.to, date: new Date(acceptedAt),
  });
  // Header lines end in CRLF from here on, so every reader sees the lines the upstream will.
  const message = Buffer.concat([headerBytes(trace), normaliseHeaderBlock(raw)]);
  const job: RouteJob = {
    v: 1, id, envelope, acceptedAt, size: message.length,
    client: {
      address: session.remoteAddress, tls: tls !== undefined,
      ...(clientHostname ? { hostname: clientHostname } : {}), ...(helo ? { helo } : {}), ...(user ? { user } : {}),
    },
    headers: headerSection(message),
  };
  // One connection, so Redis runs the SET before the job is added: a job never points at
  // a message that was not stored.
  await Promise.all([store.put(id, message), routeQueue.add('message', job, { jobId: jobId('route', id) })]);
  metrics.accepted.inc({ via: user ? 'authenticated' : 'trusted' });
  metrics.bytes.inc(message.length);
  metrics.acceptDuration.observe((Date.now() - acceptedAt) / 1000);
  return id;
}
