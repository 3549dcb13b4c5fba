import type { Redis } from 'ioredis';
import { isMessageId, messageIdTime } from '../ids.js';
import type { RouteJob } from '../queues/payloads.js';
import { headerValues } from '../rules/headers.js';
import type { MessageFacts } from '../rules/types.js';
import { consoleKeys } from './keys.js';

/** What the console finds a message by, written once per routed message (one ZADD). */
export interface IndexedMessage {
  id: string;
  /** Accepted at (ms). */
  at: number;
  from: string;
  to: string[];
  subject: string;
  messageId: string;
  client: { address: string; hostname?: string; helo?: string; tls: boolean; user?: string };
}

export interface MessageQuery {
  /** Words that must all appear (case-insensitive) in the id, Message-ID, from, to or subject. */
  text?: string;
  from?: string;
  to?: string;
  subject?: string;
  messageId?: string;
  /** Accepted within [since, until] (ms). */
  since?: number;
  until?: number;
  limit?: number;
}

const PAGE = 5000;
const MAX_LIMIT = 200;
/** A search reads at most this many entries per request (a few hundred ms on 100k): then it stops and says so. */
export const SEARCH_SCAN_LIMIT = 50_000;

function contains(haystack: string, needle: string | undefined): boolean {
  return !needle || haystack.toLowerCase().includes(needle.toLowerCase());
}

/** The pure filter a search applies to each summary. */
export function matchesQuery(entry: IndexedMessage, query: MessageQuery): boolean {
  const words = (query.text ?? '').split(/\s+/).filter(Boolean);
  const all = `${entry.id} ${entry.messageId} ${entry.from} ${entry.to.join(' ')} ${entry.subject}`;
  return (
    words.every((word) => contains(all, word)) &&
    contains(entry.from, query.from) &&
    contains(entry.to.join(' '), query.to) &&
    contains(entry.subject, query.subject) &&
    contains(entry.messageId, query.messageId)
  );
}

export function createMessageIndex(redis: Redis, prefix: string) {
  const key = consoleKeys(prefix).messageIndex();
  return {
    /** The router's one extra command per message (a re-route writes the same member again). */
    async record(entry: IndexedMessage): Promise<void> {
      await redis.zadd(key, entry.at, JSON.stringify(entry));
    },
    /**
     * Newest first, reading the time range page by page (by score, so a page costs the same
     * deep in the set as at its top) until `limit` match. A member that cannot contain every
     * word is skipped before it is parsed.
     */
    async search(query: MessageQuery, now = Date.now(), scanLimit = SEARCH_SCAN_LIMIT): Promise<{ results: IndexedMessage[]; scanned: number; stopped: boolean }> {
      const limit = Math.min(query.limit ?? 50, MAX_LIMIT);
      const results: IndexedMessage[] = [];
      const words = [query.text, query.from, query.to, query.subject, query.messageId]
        .flatMap((value) => (value ?? '').toLowerCase().split(/\s+/))
        .filter((word) => word !== '' && !/["\\]/.test(word));
      let scanned = 0;
      let max: number | string = query.until ?? now;
      // Members at the score a page ended on, already read: the next page starts at that score again.
      let seenAtMax = new Set<string>();
      for (;;) {
        const page = await redis.zrevrangebyscore(key, max, query.since ?? 0, 'WITHSCORES', 'LIMIT', 0, PAGE + seenAtMax.size);
        let fresh = 0;
        let lastScore: number | undefined;
        const atLast = new Set<string>();
        for (let i = 0; i < page.length; i += 2) {
          const member = page[i]!;
          const score = Number(page[i + 1]);
          if (score !== lastScore) atLast.clear();
          lastScore = score;
          atLast.add(member);
          if (seenAtMax.has(member)) continue;
          if (scanned >= scanLimit) return { results, scanned, stopped: true };
          fresh += 1;
          scanned += 1;
          const lower = member.toLowerCase();
          if (!words.every((word) => lower.includes(word))) continue;
          const entry = JSON.parse(member) as IndexedMessage;
          if (!matchesQuery(entry, query)) continue;
          results.push(entry);
          if (results.length >= limit) return { results, scanned, stopped: false };
        }
        if (fresh === 0 || page.length / 2 < PAGE + seenAtMax.size || lastScore === undefined) return { results, scanned, stopped: false };
        seenAtMax = lastScore === max ? new Set([...seenAtMax, ...atLast]) : atLast;
        max = lastScore;
      }
    },
    /** The summary of one message: its id says when it was accepted, so only that hour is read. */
    async find(id: string): Promise<IndexedMessage | undefined> {
      if (!isMessageId(id)) return undefined;
      const at = messageIdTime(id);
      const hour = 3_600_000;
      return (await this.search({ text: id, since: at - hour, until: at + hour, limit: 1 })).results.find((entry) => entry.id === id);
    },
    /** How many are indexed; the console trims what is older than the traces. */
    count: () => redis.zcard(key),
    trim: (olderThan: number) => redis.zremrangebyscore(key, '-inf', `(${olderThan}`),
  };
}

export type MessageIndex = ReturnType<typeof createMessageIndex>;

const SUBJECT_CHARS = 300;

/** A routed message's summary: the envelope ingest accepted, who sent it, and its subject and Message-ID. */
export function indexEntry(message: RouteJob, facts: Pick<MessageFacts, 'subject' | 'headers'>): IndexedMessage {
  const { address, hostname, helo, tls, user } = message.client;
  return {
    id: message.id,
    at: message.acceptedAt,
    from: message.envelope.from,
    to: message.envelope.to,
    subject: facts.subject.slice(0, SUBJECT_CHARS),
    messageId: (headerValues(facts.headers, 'message-id')[0] ?? '').trim().slice(0, SUBJECT_CHARS),
    client: { address, tls, ...(hostname ? { hostname } : {}), ...(helo ? { helo } : {}), ...(user ? { user } : {}) },
  };
}
