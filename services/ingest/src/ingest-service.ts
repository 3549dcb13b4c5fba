import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { createShardPicker } from './shard-picker.js';
import {
  createCanaryStore,
  createIngestMetrics,
  createMessageLifecycle,
  createShardQueues,
  errorCodeOf,
  keyspaceOf,
  QUEUES,
  rejection,
  type Config,
  type IngestUser,
  type Service,
  type ServiceDeps,
} from '@mailsort/core';
import { acceptMessage, readMessage, tlsFacts } from './accept-message.js';
import { connectionGeneration } from './connection-generation.js';
import { replicaAck, warnIfTooFewReplicas } from './replica-ack.js';
import { createAuthLockout } from './auth-lockout.js';
import { createConnectionGuard } from './connection-guard.js';
import { listenerOptions, listenerTls } from './listener-options.js';
import { createPasswordVerifier } from './password.js';
import { createRateLimiter } from './rate-limit.js';
import { createSessionPolicy, sessionUser } from './session-policy.js';
import { smtpError } from './smtp-error.js';
import { storageFailure } from './storage-failure.js';
import { loadTlsFiles, type TlsFiles } from './tls-options.js';
import { createTrustedNetworks } from './trusted-networks.js';
import { loadUsers } from './users.js';

// With Redis down at start ingest still listens, and answers 451 until Redis is back.
const STARTUP_REDIS_WAIT_MS = 5000;

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
  trusted: ReturnType<typeof createTrustedNetworks>;
  policy: ReturnType<typeof createSessionPolicy>;
}

export function createIngestService(config: Config, { logger, registry, redis }: ServiceDeps): IngestService {
  const connection = redis.connect('producer');
  const acceptor = redis.connect('acceptor');
  const keyspace = keyspaceOf(config.redis);
  const lifecycle = createMessageLifecycle(acceptor, { prefix: keyspace, messageTtlMs: config.redis.message_ttl, traceTtlMs: config.redis.trace_ttl });
  const canary = createCanaryStore(connection, keyspace);
  const routeQueues = createShardQueues(QUEUES.route, acceptor, keyspace);
  const nextShard = createShardPicker(keyspace.shards);
  // Redis config is restart-only: the WAIT is set once, from the config the process started with.
  const acceptorGeneration = connectionGeneration(acceptor);
  const replicas = replicaAck(acceptor, acceptorGeneration, config.redis, logger);
  const metrics = createIngestMetrics(registry, { listeners: config.ingest.listeners.map((listener) => listener.name) });
  const rateLimiter = createRateLimiter(connection, keyspace);

  function generationFor(next: Config): Generation {
    const { ingest } = next;
    // Both throw a coded error, so a bad certificate or users file stops the start (or the reload), not a session.
    const tls = ingest.tls ? loadTlsFiles(ingest.tls) : undefined;
    const users = loadUsers(ingest);
    const trusted = createTrustedNetworks(ingest.trusted_networks);
    const policy = createSessionPolicy({
      ingest,
      users,
      isTrusted: (address) => trusted.contains(address),
      lockout: createAuthLockout(connection, keyspace, ingest.auth),
      rateLimiter,
      verifyPassword: createPasswordVerifier(
        [...users.values()].map((user) => user.password_hash),
        logger,
      ),
      metrics,
      logger,
    });
    return { config: next, tls, users, trusted, policy };
  }

  let current = generationFor(config);
  // One guard for the process: its per-client counts carry over a reload; its limits are the current ones.
  const guard = createConnectionGuard({ limits: () => current.config.ingest.limits, isTrusted: (address) => current.trusted.contains(address), metrics, logger });
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
        const refused = guard.admit(session);
        if (refused) return callback(refused);
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
      onPendingSocket: (socket) => guard.pendingSocket(socket),
      onReset: (session) => guard.restartClock(server, session),
      onCleartextAuth: () => current.policy.onCleartextAuth(),
      onClose(session) {
        guard.forget(session);
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
        const { limits } = sessionConfig.ingest;
        guard.watchData(server, session, stream);
        readMessage(stream).then(
          async ({ chunks, bytes, tooBig }) => {
            const facts = {
              client: session.remoteAddress,
              user: sessionUser(session),
              tls: tlsFacts(session)?.protocol,
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              rcpts: session.envelope.rcptTo.length,
            };
            if (tooBig) {
              const refused = rejection('too_big');
              metrics.rejected.inc({ reason: refused.reason });
              logger.info({ code: refused.errorCode, ...facts, bytes, limit: limits.max_message_size, result: 'rejected' }, 'message too big');
              return callback(smtpError(refused.code, refused.text));
            }
            const admission = await policy.admit(session);
            if (admission.refused) return callback(admission.refused);
            try {
              const id = await acceptMessage(chunks, session, { config: sessionConfig, lifecycle, routeQueues, nextShard, metrics, canary, replicas, acceptorGeneration, failover: redis.failover });
              logger.info({ id, ...facts, size: bytes, result: 'accepted' }, 'message accepted');
              callback(null, `2.0.0 Ok: queued as ${id}`);
            } catch (error) {
              await admission.reservation.release().catch((releaseError: unknown) => logger.warn({ code: 'REDIS_UNAVAILABLE', err: releaseError }, 'could not give back a rate-limit reservation'));
              if (errorCodeOf(error) === 'MESSAGE_TOO_BIG') {
                const refused = rejection('header_too_big');
                metrics.rejected.inc({ reason: refused.reason });
                logger.info({ code: refused.errorCode, ...facts, bytes, limit: limits.max_header_size, result: 'rejected' }, (error as Error).message);
                return callback(smtpError(refused.code, refused.text));
              }
              const failure = storageFailure(error);
              metrics.rejected.inc({ reason: failure.reason });
              logger.error({ code: failure.errorCode, ...facts, err: error, result: 'deferred' }, `could not store message; answered ${failure.code}`);
              callback(smtpError(failure.code, failure.text));
            }
          },
          (error: Error) => callback(error),
        );
      },
    });
    server.on('error', (error) => logger.warn({ code: 'BAD_COMMAND', err: error, listener: listener.name }, 'smtp session error'));
    return { listener, mode, server };
  });

  return {
    async start() {
      // Its connections fail fast rather than queue (a client hears 451 now): a first client
      // right after the start must not hear 451 only because they were still connecting.
      await redis.whenReady(STARTUP_REDIS_WAIT_MS);
      await warnIfTooFewReplicas(acceptor, config.redis, logger);
      await Promise.all(
        servers.map(
          ({ listener, mode, server }) =>
            new Promise<void>((resolve, reject) => {
              server.server.once('error', reject);
              server.listen(listener.port, listener.host, () => {
                server.server.off('error', reject);
                const address = server.server.address();
                logger.info({ listener: listener.name, address, tls: mode, auth: mode !== 'none' && current.users.size > 0 }, 'listening');
                resolve();
              });
            }),
        ),
      );
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
      await routeQueues.close();
    },
  };
}
