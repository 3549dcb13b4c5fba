import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import {
  createIngestMetrics, createMessageStore, createQueue, headerSection, jobId, newMessageId, QUEUES,
  type Config, type RouteJob, type Service, type ServiceDeps,
} from '@mailsort/core';
import { receivedHeader } from './received-header.js';
import { smtpError } from './smtp-error.js';
import { createTrustedNetworks } from './trusted-networks.js';

function readStream(stream: SMTPServerDataStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** The SMTP front door: accepts from trusted networks, stores, enqueues, then answers 250. */
export interface IngestService extends Service {
  /** Bound port per listener name, for callers that listen on port 0. */
  listenerPorts(): Record<string, number>;
}

export function createIngestService(config: Config, { logger, registry, redis }: ServiceDeps): IngestService {
  const connection = redis.connect('producer');
  const store = createMessageStore(connection, config.redis.prefix, config.redis.message_ttl);
  const routeQueue = createQueue(QUEUES.route, connection, config.redis.prefix);
  const metrics = createIngestMetrics(registry);
  const trusted = createTrustedNetworks(config.ingest.trusted_networks);
  const { limits } = config.ingest;
  let listening = false;

  async function accept(raw: Buffer, session: SMTPServerSession): Promise<string> {
    const id = newMessageId();
    const acceptedAt = Date.now();
    const envelope = {
      from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
    };
    const trace = receivedHeader({
      helo: session.hostNameAppearsAs, clientHostname: session.clientHostname, clientAddress: session.remoteAddress,
      byHostname: config.ingest.hostname, id, tls: undefined, user: undefined, recipients: envelope.to, date: new Date(acceptedAt),
    });
    const message = Buffer.concat([Buffer.from(trace, 'latin1'), raw]);
    const job: RouteJob = {
      v: 1, id, envelope, acceptedAt, size: message.length,
      client: { address: session.remoteAddress, hostname: session.clientHostname, helo: session.hostNameAppearsAs, tls: false },
      headers: headerSection(message),
    };
    // One connection, so Redis runs the SET before the job is added: a job never points at
    // a message that was not stored.
    await Promise.all([store.put(id, message), routeQueue.add('message', job, { jobId: jobId('route', id) })]);
    metrics.accepted.inc();
    metrics.bytes.inc(message.length);
    metrics.acceptDuration.observe((Date.now() - acceptedAt) / 1000);
    return id;
  }

  const servers = config.ingest.listeners.map((listener) => {
    const server = new SMTPServer({
      name: config.ingest.hostname,
      banner: 'mailsort ESMTP',
      size: limits.max_message_size,
      maxClients: limits.max_connections,
      socketTimeout: limits.socket_timeout,
      disabledCommands: ['AUTH', 'STARTTLS'],
      authOptional: true,
      hideENHANCEDSTATUSCODES: true,
      logger: false,
      onConnect(session, callback) {
        metrics.sessions.inc({ listener: listener.name });
        callback();
      },
      onRcptTo(address, session, callback) {
        if (!trusted.contains(session.remoteAddress)) {
          metrics.rejected.inc({ reason: 'relay_denied' });
          return callback(smtpError(550, '5.7.1 Relay access denied'));
        }
        if (session.envelope.rcptTo.length >= limits.max_recipients) {
          metrics.rejected.inc({ reason: 'too_many_recipients' });
          return callback(smtpError(452, '4.5.3 Too many recipients'));
        }
        callback();
      },
      onData(stream, session, callback) {
        readStream(stream).then(async (raw) => {
          const client = session.remoteAddress;
          if (stream.sizeExceeded) {
            metrics.rejected.inc({ reason: 'too_big' });
            logger.info({ code: 'MESSAGE_TOO_BIG', client, bytes: raw.length, result: 'rejected' }, 'message too big');
            return callback(smtpError(552, '5.3.4 Message size exceeds fixed maximum message size'));
          }
          try {
            const id = await accept(raw, session);
            logger.info({ id, client, from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', rcpts: session.envelope.rcptTo.length, size: raw.length, result: 'accepted' }, 'message accepted');
            callback(null, `2.0.0 Ok: queued as ${id}`);
          } catch (error) {
            metrics.rejected.inc({ reason: 'redis_unavailable' });
            logger.error({ code: 'REDIS_UNAVAILABLE', client, err: error, result: 'deferred' }, 'could not store message; answered 451');
            callback(smtpError(451, '4.3.0 Temporary failure storing the message, try again later'));
          }
        }, (error: Error) => callback(error));
      },
    });
    server.on('error', (error) => logger.error({ code: 'SERVICE_CRASHED', err: error, listener: listener.name }, 'smtp listener error'));
    return { listener, server };
  });

  return {
    async start() {
      await Promise.all(servers.map(({ listener, server }) => new Promise<void>((resolve, reject) => {
        server.server.once('error', reject);
        server.listen(listener.port, listener.host, () => {
          server.server.off('error', reject);
          const address = server.server.address();
          logger.info({ listener: listener.name, address }, 'listening');
          resolve();
        });
      })));
      listening = true;
    },
    isReady: () => listening,
    listenerPorts() {
      return Object.fromEntries(servers.map(({ listener, server }) => [listener.name, (server.server.address() as { port: number }).port]));
    },
    async stopIntake() {
      listening = false;
      // smtp-server's close() stops listening and waits for open sessions to finish.
      await Promise.all(servers.map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve()))));
    },
    async closeWorkers() {},
    async closeProducers() {
      await routeQueue.close();
    },
  };
}
