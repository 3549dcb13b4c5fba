import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { Logger } from '@mailsort/core';

/** True when `password` matches the bcrypt `hash`; an absent hash (unknown user) never matches. */
export type PasswordVerifier = (hash: string | undefined, password: string) => Promise<boolean>;

/** bcrypt's cost when there are no hashes to match: `mailsort hash-password`'s default. */
const DEFAULT_COST = 10;

/** The work factor of a bcrypt hash (`$2b$12$…` → 12). */
function bcryptCost(hash: string): number {
  return Number(hash.split('$')[2]);
}

/**
 * The cost for the hash an unknown user name is checked against: the most common cost among
 * the configured hashes (the highest on a tie), so that most names cost the same as a wrong
 * password. `mixed` lists every cost when there is more than one.
 */
export function dummyCost(hashes: readonly string[]): { cost: number; mixed: number[] | undefined } {
  const counts = new Map<number, number>();
  for (const hash of hashes) counts.set(bcryptCost(hash), (counts.get(bcryptCost(hash)) ?? 0) + 1);
  const ranked = [...counts].sort(([costA, a], [costB, b]) => b - a || costB - costA);
  const cost = ranked[0]?.[0] ?? DEFAULT_COST;
  return { cost, mixed: counts.size > 1 ? [...counts.keys()].sort((a, b) => a - b) : undefined };
}

/**
 * A verifier whose answer for an unknown user takes as long as a wrong password does: the
 * unknown name is checked against a hash of a random string made, at start, with the cost
 * the configured hashes use.
 */
export function createPasswordVerifier(hashes: readonly string[], logger: Logger): PasswordVerifier {
  const { cost, mixed } = dummyCost(hashes);
  if (mixed) {
    logger.warn(
      { code: 'PASSWORD_COSTS_MIXED', costs: mixed, dummyCost: cost },
      `password hashes use bcrypt costs ${mixed.join(', ')}; unknown user names cost ${cost}, so names hashed with another cost can be told apart by timing: rehash them with --cost ${cost}`,
    );
  }
  // Made in the background so the start is not held up; the first AUTH waits for it.
  const dummy = bcrypt.hash(randomBytes(16).toString('hex'), cost);
  return async (hash, password) => {
    const matches = await bcrypt.compare(password, hash ?? (await dummy));
    return hash !== undefined && matches;
  };
}
