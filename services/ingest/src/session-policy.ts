import type { SMTPServerAddress, SMTPServerAuthentication, SMTPServerAuthenticationResponse, SMTPServerSession } from 'smtp-server';
import type { ErrorCode, IngestConfig, IngestMetrics, IngestUser, Logger } from '@mailsort/core';
import type { AuthLockout } from './auth-lockout.js';
import { canonicaliseAddress } from './envelope-address.js';
import { verifyPassword } from './password.js';
import type { RateLimiter } from './rate-limit.js';
import { senderAllowed } from './sender-policy.js';
import { smtpError } from './smtp-error.js';

type Done = (error?: Error | null) => void;
type AuthDone = (error: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void;

export interface SessionPolicyDeps {
  ingest: Pick<IngestConfig, 'auth' | 'limits'>;
  users: ReadonlyMap<string, IngestUser>;
  isTrusted(address: string): boolean;
  lockout: AuthLockout;
  rateLimiter: RateLimiter;
  metrics: IngestMetrics;
  logger: Logger;
}

/** The authenticated user name of a session, if any (smtp-server keeps what onAuth returned). */
export function sessionUser(session: SMTPServerSession): string | undefined {
  return typeof session.user === 'string' ? session.user : undefined;
}

/**
 * Who may send what: AUTH against password hashes with per-connection and per-address
 * failure limits, allowed senders and rate limits per user, and no relay for anyone who is
 * neither trusted nor authenticated.
 */
export function createSessionPolicy({ ingest, users, isTrusted, lockout, rateLimiter, metrics, logger }: SessionPolicyDeps) {
  const failuresByConnection = new Map<string, number>();

  function refuse(session: SMTPServerSession, done: Done, reply: { code: number; text: string; reason: string; errorCode: ErrorCode }, extra: Record<string, unknown> = {}): void {
    metrics.rejected.inc({ reason: reply.reason });
    logger.info({ code: reply.errorCode, client: session.remoteAddress, user: sessionUser(session), result: 'rejected', reason: reply.reason, reply: `${reply.code} ${reply.text}`, ...extra }, 'transaction refused');
    done(smtpError(reply.code, reply.text));
  }

  async function authenticate(auth: SMTPServerAuthentication, session: SMTPServerSession): Promise<SMTPServerAuthenticationResponse> {
    const client = session.remoteAddress;
    const username = auth.username ?? '';
    if (!session.secure) {
      // smtp-server already answers 538 before STARTTLS; this holds even if that changes.
      metrics.authFailures.inc({ reason: 'cleartext' });
      throw smtpError(538, '5.7.11 Encryption required for requested authentication mechanism');
    }
    const start = await lockout.beginCheck(client);
    if (start === 'locked') {
      metrics.authFailures.inc({ reason: 'locked_out' });
      logger.warn({ code: 'AUTH_LOCKED_OUT', client, user: username }, 'AUTH refused: address is locked out');
      throw smtpError(421, '4.7.0 Too many failed logins from your address, try again later');
    }
    if (start === 'busy') {
      metrics.authFailures.inc({ reason: 'throttled' });
      logger.warn({ code: 'AUTH_THROTTLED', client, user: username }, 'AUTH refused: as many checks as the address may fail are already running');
      throw smtpError(454, '4.7.0 Temporary authentication failure, try again later');
    }
    const user = users.get(username);
    const valid = await verifyPassword(user?.password_hash, auth.password ?? '').catch(async (error: unknown) => {
      await lockout.abandonCheck(client);
      throw error;
    });
    if (valid) {
      await lockout.recordSuccess(client);
      failuresByConnection.delete(session.id);
      metrics.authSuccesses.inc();
      logger.info({ client, user: username, method: auth.method }, 'authenticated');
      return { user: username };
    }
    const failures = (failuresByConnection.get(session.id) ?? 0) + 1;
    failuresByConnection.set(session.id, failures);
    metrics.authFailures.inc({ reason: 'invalid_credentials' });
    const lockedNow = await lockout.recordFailure(client);
    if (lockedNow) metrics.authLockouts.inc();
    logger.warn({ code: lockedNow ? 'AUTH_LOCKED_OUT' : 'AUTH_FAILED', client, user: username, method: auth.method, failures, lockedOut: lockedNow }, 'AUTH failed');
    if (lockedNow) throw smtpError(421, '4.7.0 Too many failed logins from your address, try again later');
    if (failures >= ingest.auth.max_failures_per_connection) throw smtpError(421, '4.7.0 Too many authentication failures, closing connection');
    return { message: '5.7.8 Authentication credentials invalid', responseCode: 535 };
  }

  return {
    onAuth(auth: SMTPServerAuthentication, session: SMTPServerSession, done: AuthDone): void {
      authenticate(auth, session).then(
        (response) => done(null, response),
        (error: Error & { responseCode?: number }) => {
          if (error.responseCode) return done(error);
          metrics.authFailures.inc({ reason: 'unavailable' });
          logger.error({ code: 'REDIS_UNAVAILABLE', client: session.remoteAddress, err: error }, 'AUTH could not be checked; answered 454');
          done(smtpError(454, '4.7.0 Temporary authentication failure, try again later'));
        },
      );
    },

    onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, done: Done): void {
      const badAddress = canonicaliseAddress('sender', address);
      if (badAddress) return refuse(session, done, badAddress, { from: address.address });
      const name = sessionUser(session);
      const user = name === undefined ? undefined : users.get(name);
      if (!user) return done();
      if (!senderAllowed(user.allowed_senders, address.address)) {
        return refuse(session, done, { code: 553, text: `5.7.1 Sender address <${address.address}> is not allowed for user ${user.username}`, reason: 'sender_not_allowed', errorCode: 'SENDER_NOT_ALLOWED' }, { from: address.address });
      }
      rateLimiter.allows(user).then(
        (allowed) => (allowed ? done() : refuse(session, done, { code: 450, text: `4.7.1 Rate limit for user ${user.username} exceeded, try again later`, reason: 'rate_limited', errorCode: 'RATE_LIMITED' })),
        (error: unknown) => {
          logger.error({ code: 'REDIS_UNAVAILABLE', client: session.remoteAddress, err: error }, 'rate limit could not be checked; answered 451');
          refuse(session, done, { code: 451, text: '4.3.0 Temporary failure, try again later', reason: 'redis_unavailable', errorCode: 'REDIS_UNAVAILABLE' });
        },
      );
    },

    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, done: Done): void {
      const badAddress = canonicaliseAddress('recipient', address);
      if (badAddress) return refuse(session, done, badAddress, { to: address.address });
      if (!sessionUser(session) && !isTrusted(session.remoteAddress)) {
        return refuse(session, done, { code: 550, text: '5.7.1 Relay access denied: authenticate (AUTH after STARTTLS) or send from a trusted network', reason: 'relay_denied', errorCode: 'RELAY_DENIED' }, { to: address.address });
      }
      if (session.envelope.rcptTo.length >= ingest.limits.max_recipients) {
        return refuse(session, done, { code: 452, text: '4.5.3 Too many recipients', reason: 'too_many_recipients', errorCode: 'BAD_COMMAND' });
      }
      done();
    },

    /** The user record of an authenticated session, for counting its rate limit. */
    userOf(session: SMTPServerSession): IngestUser | undefined {
      const name = sessionUser(session);
      return name === undefined ? undefined : users.get(name);
    },

    forget(session: SMTPServerSession): void {
      failuresByConnection.delete(session.id);
    },
  };
}

export type SessionPolicy = ReturnType<typeof createSessionPolicy>;
