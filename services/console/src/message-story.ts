import { traceDetails, type DeliveryState, type IndexedMessage, type TraceEvent } from '@mailsort/core';

/** One step of a message's story, as the message page shows it. */
export interface StoryStep {
  at: number;
  /** Which part of mailsort (or which operator) did it. */
  by: string;
  title: string;
  details: Array<[string, string]>;
  tone: 'ok' | 'bad' | 'info';
}

export interface DeliveryView {
  deliveryId: string;
  /** Where it goes, as the router recorded it. */
  to: string;
  /** The queue's word for it now (queued, delayed, active, failed, completed), or gone. */
  state: string;
  record: DeliveryState | undefined;
}

export interface Story {
  steps: StoryStep[];
  deliveries: DeliveryView[];
  /** delivered, dropped, dead, in flight or unknown: the end the message reached so far. */
  outcome: 'delivered' | 'dropped' | 'dead' | 'in flight' | 'unknown';
}

type Destination = { deliveryId?: string; kind?: string; upstream?: string; envelope?: { to?: string[] }; format?: string; host?: string };

function destinationText(destination: Destination): string {
  if (destination.kind === 'smtp') return `${destination.upstream}: ${(destination.envelope?.to ?? []).join(', ')}`;
  return `webhook ${destination.format ?? ''} ${destination.host ?? ''}`.trim();
}

function acceptedStep(entry: IndexedMessage): StoryStep {
  const { client } = entry;
  return {
    at: entry.at,
    by: 'ingest',
    title: 'accepted',
    details: [
      ['client', `${client.address}${client.hostname ? ` (${client.hostname})` : ''}${client.helo ? ` HELO ${client.helo}` : ''}`],
      ['TLS', client.tls ? 'yes' : 'no'],
      ['AUTH', client.user ?? '(none: a trusted network)'],
      ['envelope', `from <${entry.from}> to ${entry.to.map((to) => `<${to}>`).join(', ')}`],
    ],
    tone: 'info',
  };
}

function routedStep(event: TraceEvent): StoryStep {
  const destinations = (Array.isArray(event.destinations) ? event.destinations : []) as Destination[];
  const details: Array<[string, string]> = [
    ['action', String(event.action ?? '')],
    ['manager', String(event.manager ?? '(none wants it)')],
    ['rule', Array.isArray(event.rules) && event.rules.length > 0 ? event.rules.join('; ') : String(event.rule ?? '(none matched)')],
    ['reason', String(event.reason ?? '')],
  ];
  const parsed = event.parsed as { source?: string; event?: string; status?: string; pipeline?: string; stage?: string } | null | undefined;
  if (parsed) details.push(['event', `${parsed.source ?? ''} ${parsed.pipeline ? `${parsed.pipeline}/${parsed.stage ?? ''} ` : ''}${parsed.event ?? parsed.status ?? ''}`.trim()]);
  for (const destination of destinations) details.push([`→ ${destination.deliveryId ?? 'delivery'}`, destinationText(destination)]);
  return { at: event.at, by: 'router', title: event.action === 'drop' ? 'dropped by routing' : 'routed', details, tone: event.action === 'drop' ? 'bad' : 'info' };
}

function eventStep(event: TraceEvent): StoryStep {
  if (event.event === 'routed') return routedStep(event);
  const by = event.service === 'cli' || event.service === 'console' ? `${event.service}${typeof event.user === 'string' ? ` (${event.user})` : ''}` : event.service;
  const tone = event.event === 'delivered' ? 'ok' : event.event === 'failed' ? 'bad' : 'info';
  const details: Array<[string, string]> = [];
  if (typeof event.deliveryId === 'string') details.push(['delivery', event.deliveryId]);
  if (typeof event.upstream === 'string') details.push(['upstream', event.upstream]);
  if (typeof event.reply === 'string') details.push(['reply', event.reply]);
  if (typeof event.result === 'string') details.push(['result', event.result]);
  if (details.length === 0) details.push(['details', traceDetails(event)]);
  return { at: event.at, by, title: event.event, details, tone };
}

/**
 * A message's story from what the services recorded: the index entry (who sent it and how),
 * the trace (routing, each delivery's end, operators' actions) and each delivery's record.
 */
export function messageStory(entry: IndexedMessage | undefined, trace: readonly TraceEvent[], deliveries: readonly DeliveryView[]): Story {
  const steps = [...(entry ? [acceptedStep(entry)] : []), ...trace.map(eventStep)].sort((a, b) => a.at - b.at);
  for (const delivery of deliveries) {
    const { record } = delivery;
    if (!record || record.attempts === 0) continue;
    steps.push({
      at: record.lastAttemptAt ?? record.firstAttemptAt ?? 0,
      by: 'sender',
      title: `${delivery.deliveryId}: ${record.attempts} attempt${record.attempts === 1 ? '' : 's'}`,
      details: [
        ['first attempt', record.firstAttemptAt ? new Date(record.firstAttemptAt).toISOString() : '-'],
        ['last reply', `${record.lastUpstream ?? ''} ${record.lastReply ?? ''}`.trim()],
        ...Object.entries(record.recipients).map(([address, outcome]): [string, string] => [address, `${outcome.status}: ${outcome.reply}`]),
      ],
      tone: record.result === 'delivered' ? 'ok' : record.result === 'deferred' ? 'info' : 'bad',
    });
  }
  steps.sort((a, b) => a.at - b.at);
  return { steps, deliveries: [...deliveries], outcome: outcomeOf(trace, deliveries) };
}

function outcomeOf(trace: readonly TraceEvent[], deliveries: readonly DeliveryView[]): Story['outcome'] {
  const routed = [...trace].reverse().find((event) => event.event === 'routed');
  if (!routed) return trace.length === 0 ? 'unknown' : 'in flight';
  if (routed.action === 'drop') return 'dropped';
  const finals = deliveries.map((delivery) => (delivery.state === 'failed' ? 'dead' : delivery.record?.result === 'delivered' ? 'delivered' : 'open'));
  if (finals.includes('dead')) return 'dead';
  if (finals.length > 0 && finals.every((value) => value === 'delivered')) return 'delivered';
  return 'in flight';
}
