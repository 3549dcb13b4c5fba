import { SMTPServer } from 'smtp-server';
import {
  createIngestMetrics, createMessageStore, errorCodeOf, createQueue, QUEUES, type Config, type Service, type ServiceDeps,
} from '@mailsort/core';
import { acceptMessage, readMessage, tlsFacts } from './accept-message.js';
import { createAuthLockout } from './auth-lockout.js';
import { createConnectionGuard } from './connection-guard.js';
import { listenerOptions, listenerTls } from './listener-options.js';
import { createPasswordVerifier } from './password.js';
import { createRateLimiter } from './rate-limit.js';
import { createSessionPolicy, sessionUser } from './session-policy.js';
import { smtpError } from './smtp-error.js';
import { storageFailure } from './storage-failure.js';
import { loadTlsFiles } from './tls-options.js';
import { createTrustedNetworks } from './trusted-networks.js';
import { loadUsers } from './users.js';

/** The SMTP front door: checks who may send, stores, enqueues, then answers 250. */
export interface IngestService extends Service {
  /** Bound port per listener name, for callers that listen on port 0. */
  listenerPorts(): Record<string, number>;
}

export function createIngestService(config: Config, { logger, registry, redis }: ServiceDeps): IngestService {
  const { ingest } = config;
  // Both throw a coded error, so a bad certificate or users file stops the start, not a session.
  const tls = ingest.tls ? loadTlsFiles(ingest.tls) : undefined;
  const users = loadUsers(ingest);
  const connection = redis.connect('producer');
  const acceptor = redis.connect('acceptor');
  const store = createMessageStore(acceptor, config.redis.prefix, config.redis.message_ttl);
  const routeQueue = createQueue(QUEUES.route, acceptor, config.redis.prefix);
  const metrics = createIngestMetrics(registry, { listeners: config.ingest.listeners.map((listener) => listener.name) });
  const trusted = createTrustedNetworks(ingest.trusted_networks);
  const rateLimiter = createRateLimiter(connection, config.redis.prefix);
  const policy = createSessionPolicy({
    ingest, users, isTrusted: (address) => trusted.contains(address), lockout: createAuthLockout(connection, config.redis.prefix, ingest.auth),
    rateLimiter, verifyPassword: createPasswordVerifier([...users.values()].map((user) => user.password_hash), logger), metrics, logger,
  });
  const guard = createConnectionGuard({ limits: ingest.limits, isTrusted: (address) => trusted.contains(address), metrics, logger });
  const openSessions = new Set<string>();
  let listening = false;

  const servers = ingest.listeners.map((listener) => {
    const mode = listenerTls(listener, tls);
    const server = new SMTPServer({
      ...listenerOptions(mode, ingest, tls, users.size > 0),
      onConnect(session, callback) {
        const refused = guard.admit(session);
        if (refused) return callback(refused);
        openSessions.add(session.id);
        metrics.sessions.inc({ listener: listener.name });
        metrics.activeSessions.inc();
        callback();
      },
      onSecure(_socket, _session, callback) {
        metrics.tlsSessions.inc({ listener: listener.name });
        callback();
      },
      onReset: (session) => guard.restartClock(server, session),
      onCleartextAuth: policy.onCleartextAuth,
      onClose(session) {
        guard.forget(session);
        policy.forget(session);
        if (openSessions.delete(session.id)) metrics.activeSessions.dec();
      },
      onAuth: policy.onAuth,
      onMailFrom: policy.onMailFrom,
      onRcptTo: policy.onRcptTo,
      onData(stream, session, callback) {
        guard.watchData(server, session, stream);
        readMessage(stream).then(async ({ chunks, bytes, tooBig }) => {
          const facts = {
            client: session.remoteAddress, user: sessionUser(session), tls: tlsFacts(session)?.protocol,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', rcpts: session.envelope.rcptTo.length,
          };
          if (tooBig) {
            metrics.rejected.inc({ reason: 'too_big' });
            logger.info({ code: 'MESSAGE_TOO_BIG', ...facts, bytes, limit: ingest.limits.max_message_size, result: 'rejected' }, 'message too big');
            return callback(smtpError(552, '5.3.4 Message size exceeds fixed maximum message size'));
          }
          const admission = await policy.admit(session);
          if (admission.refused) return callback(admission.refused);
          try {
            const id = await acceptMessage(chunks, session, { config, store, routeQueue, metrics });
            logger.info({ id, ...facts, size: bytes, result: 'accepted' }, 'message accepted');
            callback(null, `2.0.0 Ok: queued as ${id}`);
          } catch (error) {
            await admission.reservation.release().catch((releaseError: unknown) => logger.warn({ code: 'REDIS_UNAVAILABLE', err: releaseError }, 'could not give back a rate-limit reservation'));
            if (errorCodeOf(error) === 'MESSAGE_TOO_BIG') {
              metrics.rejected.inc({ reason: 'header_too_big' });
              logger.info({ code: 'MESSAGE_TOO_BIG', ...facts, bytes, limit: ingest.limits.max_header_size, result: 'rejected' }, (error as Error).message);
              return callback(smtpError(552, '5.3.4 Message header section exceeds fixed maximum size'));
            }
            const failure = storageFailure(error);
            metrics.rejected.inc({ reason: failure.reason });
            logger.error({ code: failure.errorCode, ...facts, err: error, result: 'deferred' }, `could not store message; answered ${failure.code}`);
            callback(smtpError(failure.code, failure.text));
          }
        }, (error: Error) => callback(error));
      },
    });
    server.on('error', (error) => logger.warn({ code: 'BAD_COMMAND', err: error, listener: listener.name }, 'smtp session error'));
    return { listener, mode, server };
  });

  return {
    async start() {
      await Promise.all(servers.map(({ listener, mode, server }) => new Promise<void>((resolve, reject) => {
        server.server.once('error', reject);
        server.listen(listener.port, listener.host, () => {
          server.server.off('error', reject);
          const address = server.server.address();
          logger.info({ listener: listener.name, address, tls: mode, auth: mode !== 'none' && users.size > 0 }, 'listening');
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
