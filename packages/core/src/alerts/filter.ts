import type { AlertEvent, AlertEventFilter } from './types.js';

const list = <T>(value: T | readonly T[]): readonly T[] => (Array.isArray(value) ? value : [value as T]);

/** Does the event pass a rule's `filter.event`? Labels compare exactly, values case-insensitively. */
export function matchEventFilter(filter: AlertEventFilter, event: AlertEvent): { matched: boolean; note: string } {
  for (const field of ['source', 'status', 'severity'] as const) {
    const wanted = filter[field];
    if (wanted !== undefined && !list<string>(wanted).includes(event[field])) {
      return { matched: false, note: `event ${field} ${event[field]} is not ${list<string>(wanted).join(' or ')}` };
    }
  }
  for (const [name, wanted] of Object.entries(filter.labels ?? {})) {
    const value = event.labels[name];
    if (value === undefined) return { matched: false, note: `the event has no label ${name}` };
    if (!list(wanted).some((one) => one.toLowerCase() === value.toLowerCase())) return { matched: false, note: `event label ${name}=${value} is not ${list(wanted).join(' or ')}` };
  }
  return { matched: true, note: `event ${event.source} ${event.status} ${event.severity} matches` };
}

/** `status=firing severity=critical|error labels.team=payments`, for rule labels and explain. */
export function describeEventFilter(filter: AlertEventFilter): string {
  const parts = (['source', 'status', 'severity'] as const).filter((field) => filter[field] !== undefined).map((field) => `${field}=${list<string>(filter[field]!).join('|')}`);
  for (const [name, wanted] of Object.entries(filter.labels ?? {})) parts.push(`labels.${name}=${list(wanted).join('|')}`);
  return parts.join(' ');
}
