import type { TraceEvent } from '../store/trace-store.js';

const SKIP = new Set(['at', 'service', 'event']);

// Alert grouping's events read as a sentence: where the mail went instead of a delivery.
const SENTENCES: Record<string, (event: TraceEvent) => string> = {
  folded: (event) =>
    event.reason === 'digest'
      ? `${event.deliveryId} carried in flood-control digest ${event.notification} (mailsort trace ${event.notification})`
      : event.reason === 'grouped'
        ? `carried into group ${event.group}'s notification ${event.notification} (mailsort trace ${event.notification})`
        : `folded into group ${event.group} (${event.reason}): counted, not sent`,
  notification: (event) => `made for group ${event.group}: ${event.kind}, carrying ${Array.isArray(event.members) && event.members.length > 0 ? event.members.join(', ') : 'no mail'}`,
};

/** One trace event in words: a sentence for grouping's events, `key=value` details for the rest. */
export function traceDetails(event: TraceEvent): string {
  const sentence = SENTENCES[event.event];
  if (sentence) return sentence(event);
  return Object.entries(event)
    .filter(([key, value]) => !SKIP.has(key) && value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('  ');
}

/** `mailsort trace`'s line for one event. */
export function traceLine(event: TraceEvent): string {
  return `${new Date(event.at).toISOString()}  ${event.service.padEnd(7)} ${event.event.padEnd(10)} ${traceDetails(event)}`;
}
