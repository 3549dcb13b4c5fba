import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { Redis } from 'ioredis';
import { consoleKeys, type ConsoleConfig, type ConsoleRole } from '@mailsort/core';

export interface Principal {
  user: string;
  role: ConsoleRole;
  /** The session's CSRF token; none for a bearer token, which no browser sends by itself. */
  csrf: string | null;
  via: 'session' | 'token';
}

export const SESSION_COOKIE = 'mailsort_console';
/** A Secure cookie gets the __Host- prefix: the browser then refuses it from plain HTTP or another path or domain. */
export const sessionCookieName = (secure: boolean) => (secure ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE);

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(sha256(a));
  const right = Buffer.from(sha256(b));
  return timingSafeEqual(left, right);
}

/**
 * An unknown name is checked against a dummy hash at the highest cost among the configured users,
 * so it takes as long as a wrong password for the slowest real user (no enumeration by timing).
 */
const dummyHashes = new Map<number, string>();
export function dummyHash(users: ConsoleConfig['users']): string {
  const cost = Math.max(10, ...users.map((user) => bcrypt.getRounds(user.password_hash)));
  let hash = dummyHashes.get(cost);
  if (!hash) {
    hash = bcrypt.hashSync(randomBytes(16).toString('hex'), cost);
    dummyHashes.set(cost, hash);
  }
  return hash;
}

/** What a session is bound to: a new password hash or role ends every session of that user. */
const fingerprint = (user: ConsoleConfig['users'][number]) => sha256(`${user.name}\n${user.role}\n${user.password_hash}`);

interface StoredSession extends Principal {
  fingerprint: string;
  /** When the login happened: past console.session_max_age the session ends however busy it is. */
  created: number;
}

/**
 * Logins and sessions: users (bcrypt hashes) and bearer tokens from the config; a session is a
 * random cookie whose SHA-256 names a Redis key with the user, role, CSRF token and the user's
 * fingerprint; renewed by a request the operator made (not by the page's polling), ended at
 * console.session_max_age after the login whatever happens.
 */
export function createAuth(redis: Redis, prefix: string, config: () => ConsoleConfig) {
  const keys = consoleKeys(prefix);
  return {
    async login(name: string, password: string): Promise<{ cookie: string; principal: Principal } | undefined> {
      const user = config().users.find((candidate) => candidate.name === name);
      const ok = await bcrypt.compare(password, user?.password_hash ?? dummyHash(config().users));
      if (!user || !ok) return undefined;
      const cookie = randomBytes(32).toString('base64url');
      const principal: Principal = { user: user.name, role: user.role, csrf: randomBytes(24).toString('base64url'), via: 'session' };
      const stored: StoredSession = { ...principal, fingerprint: fingerprint(user), created: Date.now() };
      await redis.set(keys.session(sha256(cookie)), JSON.stringify(stored), 'PX', Math.min(config().session_ttl, config().session_max_age));
      return { cookie, principal };
    },
    /** The session's principal; `renew` false for the page's own polling, which must not keep an abandoned tab logged in. */
    async session(cookie: string | undefined, renew = true): Promise<Principal | undefined> {
      if (!cookie || cookie.length > 100) return undefined;
      const key = keys.session(sha256(cookie));
      const text = await redis.get(key);
      if (!text) return undefined;
      const stored = JSON.parse(text) as StoredSession;
      // The user may have been removed, or changed password or role since: the config decides.
      const user = config().users.find((candidate) => candidate.name === stored.user);
      const left = stored.created + config().session_max_age - Date.now();
      if (!user || stored.fingerprint !== fingerprint(user) || !(left > 0)) {
        await redis.del(key);
        return undefined;
      }
      if (renew) await redis.pexpire(key, Math.min(config().session_ttl, left));
      return { user: stored.user, role: user.role, csrf: stored.csrf, via: 'session' };
    },
    bearer(header: string | undefined): Principal | undefined {
      const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
      if (!match) return undefined;
      const token = config().tokens.find((candidate) => sameText(candidate.token, match[1]!));
      return token ? { user: token.name, role: token.role, csrf: null, via: 'token' } : undefined;
    },
    async logout(cookie: string | undefined): Promise<void> {
      if (cookie) await redis.del(keys.session(sha256(cookie)));
    },
    /** A state-changing request from a session must carry its CSRF token (a bearer token is not sent by a browser on its own). */
    csrfOk(principal: Principal, given: unknown): boolean {
      if (principal.via === 'token') return true;
      return typeof given === 'string' && principal.csrf !== null && sameText(given, principal.csrf);
    },
  };
}

export type Auth = ReturnType<typeof createAuth>;
