import type { SMTPServerAddress, SMTPServerAuthentication, SMTPServerAuthenticationResponse, SMTPServerSession } from 'smtp-server';
import { rejection, type IngestConfig, type IngestMetrics, type IngestUser, type Logger, type Refusal, type RejectReason } from '@mailsort/core';
import type { AuthLockout } from './auth-lockout.js';
import { canonicaliseAddress } from './envelope-address.js';
import { acceptRefusal, relayRefusal, senderRefusal, type IdentityFacts } from './identity-checks.js';
import type { PasswordVerifier } from './password.js';
import type { RateLimiter, RateReservation } from './rate-limit.js';
import { smtpError } from './smtp-error.js';

type Done = (error?: Error | null) => void;
type AuthDone = (error: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void;

export interface SessionPolicyDeps {
  ingest: Pick<IngestConfig, 'auth' | 'limits'>;
  users: ReadonlyMap<string, IngestUser>;
  isTrusted(address: string): boolean;
  lockout: AuthLockout;
  rateLimiter: RateLimiter;
  verifyPassword: PasswordVerifier;
  metrics: IngestMetrics;
  logger: Logger;
}

/** The authenticated user name of a session, if any (smtp-server keeps what onAuth returned). */
export function sessionUser(session: SMTPServerSession): string | undefined {
  return typeof session.user === 'string' ? session.user : undefined;
}

/** What `admit` decides once DATA is complete: an SMTP error to answer, or a reservation to keep or give back. */
export type Admission = { refused: Error } | { refused?: undefined; reservation: RateReservation };

/**
 * Who may send what: AUTH against password hashes with per-connection and per-address
 * failure limits, allowed senders and rate limits per user, and no relay for anyone who is
 * neither trusted nor authenticated.
 */
export function createSessionPolicy({ ingest, users, isTrusted, lockout, rateLimiter, verifyPassword, metrics, logger }: SessionPolicyDeps) {
  const failuresByConnection = new Map<string, number>();

  function refusal(session: SMTPServerSession, reply: Refusal<RejectReason>, extra: Record<string, unknown> = {}): Error {
    metrics.rejected.inc({ reason: reply.reason });
    logger.info(
      { code: reply.errorCode, client: session.remoteAddress, user: sessionUser(session), result: 'rejected', reason: reply.reason, reply: `${reply.code} ${reply.text}`, ...extra },
      'transaction refused',
    );
    return smtpError(reply.code, reply.text);
  }

  function refuse(session: SMTPServerSession, done: Done, reply: Refusal<RejectReason>, extra: Record<string, unknown> = {}): void {
    done(refusal(session, reply, extra));
  }

  /** The identity in force now: checked at MAIL, at RCPT and again when the message is accepted. */
  function identityOf(session: SMTPServerSession): IdentityFacts {
    const name = sessionUser(session);
    return { user: name === undefined ? undefined : users.get(name), trusted: isTrusted(session.remoteAddress) };
  }

  function redisDown(session: SMTPServerSession, error: unknown, what: string): Error {
    logger.error({ code: 'REDIS_UNAVAILABLE', client: session.remoteAddress, err: error }, `${what} could not be checked; answered 451`);
    return refusal(session, rejection('redis_unavailable', 'check'));
  }

  async function authenticate(auth: SMTPServerAuthentication, session: SMTPServerSession): Promise<SMTPServerAuthenticationResponse> {
    const client = session.remoteAddress;
    const username = auth.username ?? '';
    if (!session.secure) {
      // smtp-server already answers 538 before STARTTLS (counted in onCleartextAuth); this holds even if that changes.
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

    /** smtp-server answered 538 to an AUTH before STARTTLS itself; this only counts it. */
    onCleartextAuth(): void {
      metrics.authFailures.inc({ reason: 'cleartext' });
    },

    onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, done: Done): void {
      const badAddress = canonicaliseAddress('sender', address);
      if (badAddress) return refuse(session, done, badAddress, { from: address.address });
      const identity = identityOf(session);
      const { user } = identity;
      if (!user) return done();
      const refused = senderRefusal(identity, address.address);
      if (refused) return refuse(session, done, refused, { from: address.address });
      // A courtesy: tells the client early. The limit is enforced by the reservation in admit.
      rateLimiter.allows(user).then(
        (allowed) => (allowed ? done() : refuse(session, done, rejection('rate_limited', user.username))),
        (error: unknown) => done(redisDown(session, error, 'rate limit')),
      );
    },

    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, done: Done): void {
      const badAddress = canonicaliseAddress('recipient', address);
      if (badAddress) return refuse(session, done, badAddress, { to: address.address });
      const refused = relayRefusal(identityOf(session));
      if (refused) return refuse(session, done, refused, { to: address.address });
      if (session.envelope.rcptTo.length >= ingest.limits.max_recipients) {
        return refuse(session, done, rejection('too_many_recipients'));
      }
      done();
    },

    /**
     * Called once DATA is complete, before the message is stored: the sender and relay checks
     * again against the identity in force now, then one message reserved from the user's rate
     * limit (atomically, shared by all replicas). The caller releases the reservation when the
     * message is not stored.
     */
    async admit(session: SMTPServerSession): Promise<Admission> {
      const identity = identityOf(session);
      const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      const refused = acceptRefusal(identity, from);
      if (refused) return { refused: refusal(session, refused, { from, at: 'data' }) };
      if (!identity.user) return { reservation: { release: async () => undefined } };
      const user = identity.user;
      try {
        const reservation = await rateLimiter.reserve(user);
        return reservation ? { reservation } : { refused: refusal(session, rejection('rate_limited', user.username), { at: 'data' }) };
      } catch (error) {
        return { refused: redisDown(session, error, 'rate limit') };
      }
    },

    forget(session: SMTPServerSession): void {
      failuresByConnection.delete(session.id);
    },
  };
}
