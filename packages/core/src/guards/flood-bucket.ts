import { createHash } from 'node:crypto';
import type { NotifiedAlert } from '../alerts/grouping/types.js';
import type { Destination } from '../queues/payloads.js';
import { destinationKey } from '../rules/destination-key.js';
import type { HeldForDigest, RouteFloodControl } from './flood-types.js';

/**
 * The bucket a delivery counts against: its destination (a team address list, a webhook), its
 * window length (two routes with different windows never share one), and its route when `per: route`.
 */
export function floodBucket(flood: RouteFloodControl, destination: Destination): string {
  const scope = flood.settings.per === 'route' ? flood.routeId : '';
  return `b${createHash('sha256')
    .update(JSON.stringify([scope, flood.settings.limit.perMs, destinationKey(destination)]))
    .digest('hex')
    .slice(0, 24)}`;
}

/** The fixed window `at` falls in, and when it ends: every replica counts the same windows. */
export function floodWindow(perMs: number, at: number): { window: number; endsAt: number } {
  const window = Math.floor(at / perMs);
  return { window, endsAt: (window + 1) * perMs };
}

const SEVERITY_ORDER = ['info', 'warning', 'error', 'critical'] as const;

/** Pure: a digest's alert list: one entry per alert key with its count, first/last seen, worst severity and latest status. */
export function digestAlerts(held: readonly HeldForDigest[]): NotifiedAlert[] {
  const byKey = new Map<string, NotifiedAlert>();
  for (const mail of [...held].sort((a, b) => a.at - b.at)) {
    const known = byKey.get(mail.key);
    const status = mail.status === 'resolved' ? 'resolved' : 'firing';
    if (!known) {
      byKey.set(mail.key, {
        key: mail.key,
        source: mail.source as NotifiedAlert['source'],
        severity: mail.severity,
        summary: mail.summary,
        labels: {},
        status,
        firstSeen: mail.at,
        lastSeen: mail.at,
        count: 1,
      });
      continue;
    }
    const worse = SEVERITY_ORDER.indexOf(mail.severity) > SEVERITY_ORDER.indexOf(known.severity);
    Object.assign(known, { lastSeen: mail.at, count: known.count + 1, status, summary: mail.summary, ...(worse ? { severity: mail.severity } : {}) });
  }
  return [...byKey.values()];
}

export function digestSubject(held: readonly HeldForDigest[], alerts: readonly NotifiedAlert[]): string {
  return `[DIGEST] ${held.length} mail${held.length === 1 ? '' : 's'} held by flood control (${alerts.length} alert${alerts.length === 1 ? '' : 's'})`;
}
