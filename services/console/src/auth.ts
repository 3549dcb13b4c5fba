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

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(sha256(a));
  const right = Buffer.from(sha256(b));
  return timingSafeEqual(left, right);
}

// An unknown name is checked against this, so it costs what a wrong password costs.
const DUMMY_HASH = bcrypt.hashSync(randomBytes(16).toString('hex'), 10);

/**
 * Logins and sessions: users (bcrypt hashes) and bearer tokens from the config; a session is a
 * random cookie whose SHA-256 names a Redis key with the user, role and CSRF token, renewed on use.
 */
export function createAuth(redis: Redis, prefix: string, config: () => ConsoleConfig) {
  const keys = consoleKeys(prefix);
  return {
    async login(name: string, password: string): Promise<{ cookie: string; principal: Principal } | undefined> {
      const user = config().users.find((candidate) => candidate.name === name);
      const ok = await bcrypt.compare(password, user?.password_hash ?? DUMMY_HASH);
      if (!user || !ok) return undefined;
      const cookie = randomBytes(32).toString('base64url');
      const principal: Principal = { user: user.name, role: user.role, csrf: randomBytes(24).toString('base64url'), via: 'session' };
      await redis.set(keys.session(sha256(cookie)), JSON.stringify(principal), 'PX', config().session_ttl);
      return { cookie, principal };
    },
    async session(cookie: string | undefined): Promise<Principal | undefined> {
      if (!cookie || cookie.length > 100) return undefined;
      const key = keys.session(sha256(cookie));
      const stored = await redis.get(key);
      if (!stored) return undefined;
      const principal = JSON.parse(stored) as Principal;
      // The user may have been removed or changed role since: the config decides.
      const user = config().users.find((candidate) => candidate.name === principal.user);
      if (!user) return undefined;
      await redis.pexpire(key, config().session_ttl);
      return { ...principal, role: user.role };
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

const WINDOW_MS = 5 * 60_000;
const MAX_FAILURES = 10;

/** Failed logins per client address in a window (per console process): more are answered 429 without a password check. */
export function createLoginThrottle(now = () => Date.now()) {
  const failures = new Map<string, { count: number; since: number }>();
  return {
    blocked(address: string): boolean {
      const entry = failures.get(address);
      if (!entry || now() - entry.since > WINDOW_MS) return false;
      return entry.count >= MAX_FAILURES;
    },
    failed(address: string): void {
      const entry = failures.get(address);
      if (!entry || now() - entry.since > WINDOW_MS) failures.set(address, { count: 1, since: now() });
      else entry.count += 1;
      if (failures.size > 10_000) failures.clear();
    },
    succeeded(address: string): void {
      failures.delete(address);
    },
  };
}
