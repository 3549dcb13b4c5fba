import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import {
  createIngestMetrics, createMessageStore, createQueue, QUEUES, type Config, type IngestUser, type Service, type ServiceDeps,
} from '@mailsort/core';
import { acceptMessage, readMessage, tlsFacts } from './accept-message.js';
import { createAuthLockout } from './auth-lockout.js';
import { listenerOptions, listenerTls } from './listener-options.js';
import { createRateLimiter } from './rate-limit.js';
import { createSessionPolicy, sessionUser } from './session-policy.js';
import { smtpError } from './smtp-error.js';
import { storageFailure } from './storage-failure.js';
import { loadTlsFiles, type TlsFiles } from './tls-options.js';
import { createTrustedNetworks } from './trusted-networks.js';
import { loadUsers } from './users.js';

/** The SMTP front door: checks who may send, stores, enqueues, then answers 250. */
export interface IngestService extends Service {
  /** Bound port per listener name, for callers that listen on port 0. */
  listenerPorts(): Record<string, number>;
}

/** What a reload swaps in one assignment: the config and everything ingest builds from it. */
interface Generation {
  config: Config;
  tls: TlsFiles | undefined;
  users: Map<string, IngestUser>;
  policy: ReturnType<typeof createSessionPolicy>;
}

export function createIngestService(config: Config, { logger, registry, redis }: ServiceDeps): IngestService {
  const connection = redis.connect('producer');
  const store = createMessageStore(connection, config.redis.prefix, config.redis.message_ttl);
  const routeQueue = createQueue(QUEUES.route, connection, config.redis.prefix);
  const metrics = createIngestMetrics(registry);
  const rateLimiter = createRateLimiter(connection, config.redis.prefix);

  function generationFor(next: Config): Generation {
    const { ingest } = next;
    // Both throw a coded error, so a bad certificate or users file stops the start (or the reload), not a session.
    const tls = ingest.tls ? loadTlsFiles(ingest.tls) : undefined;
    const users = loadUsers(ingest);
    const trusted = createTrustedNetworks(ingest.trusted_networks);
    const policy = createSessionPolicy({
      ingest, users, isTrusted: (address) => trusted.contains(address), lockout: createAuthLockout(connection, next.redis.prefix, ingest.auth),
      rateLimiter, metrics, logger,
    });
    return { config: next, tls, users, policy };
  }

  let current = generationFor(config);
  // A session keeps the generation it started its transaction under: a reload applies from
  // the next connection or the next MAIL FROM, never in the middle of a transaction.
  const pinned = new Map<string, Generation>();
  const live = new Set<Generation>([current]);
  const genOf = (session: SMTPServerSession) => pinned.get(session.id) ?? current;
  function pin(session: SMTPServerSession): Generation {
    pinned.set(session.id, current);
    live.add(current);
    return current;
  }
  function prune(): void {
    const used = new Set(pinned.values());
    for (const generation of live) if (generation !== current && !used.has(generation)) live.delete(generation);
  }
  const openSessions = new Set<string>();
  let listening = false;

  const servers = config.ingest.listeners.map((listener) => {
    const mode = listenerTls(listener, current.tls);
    const server = new SMTPServer({
      ...listenerOptions(mode, config.ingest, current.tls, current.users.size > 0),
      onConnect(session, callback) {
        pin(session);
        openSessions.add(session.id);
        metrics.sessions.inc({ listener: listener.name });
        metrics.activeSessions.inc();
        callback();
      },
      onSecure(_socket, _session, callback) {
        metrics.tlsSessions.inc({ listener: listener.name });
        callback();
      },
      onClose(session) {
        for (const generation of live) generation.policy.forget(session);
        pinned.delete(session.id);
        prune();
        if (openSessions.delete(session.id)) metrics.activeSessions.dec();
      },
      onAuth: (auth, session, callback) => genOf(session).policy.onAuth(auth, session, callback),
      onMailFrom: (address, session, callback) => pin(session).policy.onMailFrom(address, session, callback),
      onRcptTo: (address, session, callback) => genOf(session).policy.onRcptTo(address, session, callback),
      onData(stream, session, callback) {
        const { config: sessionConfig, policy } = genOf(session);
        readMessage(stream).then(async ({ raw, bytes, tooBig }) => {
          const facts = {
            client: session.remoteAddress, user: sessionUser(session), tls: tlsFacts(session)?.protocol,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', rcpts: session.envelope.rcptTo.length,
          };
          if (tooBig) {
            metrics.rejected.inc({ reason: 'too_big' });
            logger.info({ code: 'MESSAGE_TOO_BIG', ...facts, bytes, limit: sessionConfig.ingest.limits.max_message_size, result: 'rejected' }, 'message too big');
            return callback(smtpError(552, '5.3.4 Message size exceeds fixed maximum message size'));
          }
          try {
            const id = await acceptMessage(raw, session, { config: sessionConfig, store, routeQueue, metrics });
            const user = policy.userOf(session);
            // Counted after the 250 is certain; a lost count only errs in the sender's favour.
            if (user) await rateLimiter.count(user).catch((error: unknown) => logger.warn({ code: 'REDIS_UNAVAILABLE', err: error, user: user.username }, 'could not count the message against the rate limit'));
            logger.info({ id, ...facts, size: raw.length, result: 'accepted' }, 'message accepted');
            callback(null, `2.0.0 Ok: queued as ${id}`);
          } catch (error) {
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
          logger.info({ listener: listener.name, address, tls: mode, auth: mode !== 'none' && current.users.size > 0 }, 'listening');
          resolve();
        });
      })));
      listening = true;
    },
    isReady: () => listening,
    reload(next) {
      const generation = generationFor(next);
      // smtp-server reads its options per connection and command, and serves TLS from the
      // contexts updateSecureContext builds: the next client gets the new certificate and
      // limits, open sessions keep the context they negotiated.
      for (const { mode, server } of servers) server.updateSecureContext(listenerOptions(mode, next.ingest, generation.tls, generation.users.size > 0));
      current = generation;
      live.add(generation);
      prune();
    },
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
