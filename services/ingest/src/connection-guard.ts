import type { Socket } from 'node:net';
import type { SMTPServer, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { sessionCut, type IngestConfig, type IngestMetrics, type Logger, type SESSION_CUTS, type SessionCutReason } from '@mailsort/core';
import { connectionRefusal, dataTooSlow } from './connection-limits.js';
import { smtpError } from './smtp-error.js';

export interface ConnectionGuardDeps {
  /** The limits in force now (a reload may change them; counts carry over). */
  limits: () => IngestConfig['limits'];
  isTrusted(address: string): boolean;
  metrics: IngestMetrics;
  logger: Logger;
}

type Cut = keyof typeof SESSION_CUTS;

interface Holder {
  client: string;
  trusted: boolean;
}

/**
 * Keeps one address, or untrusted clients together, from holding every session slot of
 * this replica: a cap per client address, slots kept free for trusted networks, a deadline
 * on each transaction and a minimum DATA rate. Shared by every listener of the replica.
 */
export function createConnectionGuard({ limits, isTrusted, metrics, logger }: ConnectionGuardDeps) {
  const perClient = new Map<string, number>();
  let untrusted = 0;
  // Sessions (by session id) and sockets still in their implicit TLS handshake count alike:
  // onConnect runs only after the handshake, so a handshake that never ends must hold a slot.
  const admitted = new Map<string, Holder>();
  const pending = new Map<Socket, Holder>();
  const deadlines = new Map<string, NodeJS.Timeout>();
  const dataChecks = new Map<string, NodeJS.Timeout>();
  // The transaction number each session's clock was started for (smtp-server counts messages).
  const clockStartedAt = new Map<string, number>();

  function stop(timers: Map<string, NodeJS.Timeout>, id: string): void {
    clearTimeout(timers.get(id));
    timers.delete(id);
  }

  function cut(server: SMTPServer, session: SMTPServerSession, reason: Cut, extra: Record<string, unknown> = {}): void {
    stop(deadlines, session.id);
    stop(dataChecks, session.id);
    const connection = [...server.connections].find((candidate) => candidate.id === session.id);
    if (!connection) return;
    const reply = sessionCut(reason);
    metrics.sessionsCut.inc({ reason });
    logger.info({ code: reply.errorCode, client: session.remoteAddress, reason, reply: `${reply.code} ${reply.text}`, ...extra }, 'session cut off');
    // smtp-server closes the connection after any 421; a DATA in progress is discarded, unanswered 250.
    connection.send(reply.code, reply.text);
  }

  /** Takes a slot for `client`, or returns why not. */
  function take(client: string, hold: (holder: Holder) => void): ReturnType<typeof connectionRefusal> {
    const trusted = isTrusted(client);
    const refused = connectionRefusal({ fromClient: perClient.get(client) ?? 0, untrusted, total: admitted.size + pending.size }, trusted, limits());
    if (refused) {
      metrics.connectionsRefused.inc({ reason: refused.reason });
      logger.info({ code: refused.errorCode, client, reason: refused.reason, reply: `${refused.code} ${refused.text}` }, 'connection refused');
      return refused;
    }
    hold({ client, trusted });
    perClient.set(client, (perClient.get(client) ?? 0) + 1);
    if (!trusted) untrusted += 1;
    return undefined;
  }

  function give(holder: Holder): void {
    const left = (perClient.get(holder.client) ?? 1) - 1;
    if (left > 0) perClient.set(holder.client, left);
    else perClient.delete(holder.client);
    if (!holder.trusted) untrusted -= 1;
  }

  return {
    /** onConnect: undefined to greet, or the 421 to refuse with. */
    admit(session: SMTPServerSession): Error | undefined {
      const refused = take(session.remoteAddress, (holder) => admitted.set(session.id, holder));
      return refused ? smtpError(refused.code, refused.text) : undefined;
    },

    /**
     * onPendingSocket (implicit TLS): a socket waiting for its handshake holds a slot like a
     * session, and gets tls_handshake_timeout in all, however slowly its bytes come. Nothing
     * can be answered before the handshake, so a refused socket is closed.
     */
    pendingSocket(socket: Socket): (() => void) | false {
      const client = socket.remoteAddress ?? '';
      if (take(client, (holder) => pending.set(socket, holder))) return false;
      const timer = setTimeout(() => {
        const reason = 'handshake_timeout' satisfies SessionCutReason;
        metrics.sessionsCut.inc({ reason });
        logger.info({ code: 'SESSION_TOO_SLOW', client, reason }, 'TLS handshake not finished in time; closed');
        socket.destroy();
      }, limits().tls_handshake_timeout).unref();
      return () => {
        clearTimeout(timer);
        const holder = pending.get(socket);
        if (!holder) return;
        pending.delete(socket);
        give(holder);
      };
    },

    /**
     * onReset (connect, RSET, EHLO, STARTTLS, the end of a message): only the connect and the
     * end of a message start the clock over — a client that sends RSET or EHLO before each
     * deadline would otherwise hold its slot for ever without sending anything.
     */
    restartClock(server: SMTPServer, session: SMTPServerSession): void {
      if (clockStartedAt.get(session.id) === session.transaction) return;
      clockStartedAt.set(session.id, session.transaction);
      stop(deadlines, session.id);
      deadlines.set(session.id, setTimeout(() => cut(server, session, 'transaction_timeout'), limits().transaction_timeout).unref());
    },

    /** onData: cuts the session off when DATA stays below min_data_rate; the clock stops once DATA is in. */
    watchData(server: SMTPServer, session: SMTPServerSession, stream: SMTPServerDataStream): void {
      const started = Date.now();
      let bytes = 0;
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      const every = Math.max(100, Math.min(1000, limits().data_rate_grace));
      const check = setInterval(() => {
        if (dataTooSlow(bytes, Date.now() - started, limits())) cut(server, session, 'slow_data', { bytes, seconds: (Date.now() - started) / 1000 });
      }, every).unref();
      dataChecks.set(session.id, check);
      // Once the message is in, it is being stored: no deadline may cut it off before its reply.
      const done = () => {
        stop(deadlines, session.id);
        stop(dataChecks, session.id);
      };
      stream.once('end', done);
      stream.once('close', done);
    },

    /** onClose. */
    forget(session: SMTPServerSession): void {
      clockStartedAt.delete(session.id);
      stop(deadlines, session.id);
      stop(dataChecks, session.id);
      const holder = admitted.get(session.id);
      if (!holder) return;
      admitted.delete(session.id);
      give(holder);
    },
  };
}
