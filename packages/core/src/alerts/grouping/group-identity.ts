import { createHash } from 'node:crypto';
import type { Destination } from '../../queues/payloads.js';
import { destinationKey } from '../../rules/destination-key.js';
import type { AlertEvent } from '../types.js';
import type { GroupingPolicy } from './types.js';

/** The value of one `group_by` field for an event: key, source, severity, host, or labels.NAME. */
function groupField(event: AlertEvent, field: string): string {
  if (field.startsWith('labels.')) return event.labels[field.slice('labels.'.length)] ?? '';
  if (field === 'key' || field === 'source' || field === 'severity') return event[field];
  if (field === 'host') return event.host ?? '';
  return '';
}

/**
 * The group a mail joins: its route, where the route sends it (two recipients lists are two
 * groups), and its group_by values. The same on every replica.
 */
export function groupIdentity(policy: GroupingPolicy, event: AlertEvent, destinations: readonly Destination[]): { id: string; name: string } {
  const values = policy.groupBy.map((field) => [field, groupField(event, field)] as const);
  const hash = createHash('sha256')
    .update(JSON.stringify([policy.routeId, destinations.map(destinationKey), values]))
    .digest('hex')
    .slice(0, 24);
  const shown = values.filter(([field]) => field !== 'key').map(([field, value]) => `${field.replace(/^labels\./, '')}=${value}`);
  return { id: `g${hash}`, name: [policy.routeId, ...shown].join(' ') };
}

export const GROUP_FIELD = /^(key|source|severity|host|labels\.[A-Za-z0-9_.-]+)$/;
