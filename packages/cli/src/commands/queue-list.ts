import type { JobType } from 'bullmq';
import { findRouteDeadLetters, printable, printableJson, routeDeadLetterJson, routeDeadLetters } from '@mailsort/core';
import type { Io } from '../io.js';
import { ALL_OPEN_TYPES, deliveriesIn, describeDestination, displayState, findDeliveries, formatAge, QUEUED_TYPES, type QueueContext } from './queue-context.js';

const STATES: Record<string, JobType[]> = { queued: QUEUED_TYPES, delayed: ['delayed'], failed: ['failed'] };

/** `mailsort queue list [--state queued|delayed|failed] [--json]`, like Postfix's mailq. */
export async function queueList(context: QueueContext, state: string | undefined, json: boolean, io: Io): Promise<number> {
  if (state !== undefined && !STATES[state]) {
    io.err(`mailsort queue list: --state is one of ${Object.keys(STATES).join(', ')}`);
    return 2;
  }
  const entries = await deliveriesIn(context.deliver, state ? STATES[state]! : ALL_OPEN_TYPES);
  const now = Date.now();
  const rows = await Promise.all(
    entries.map(async ({ job, data, state: jobState }) => {
      const recorded = await context.states.get(data.deliveryId);
      return {
        delivery: data.deliveryId,
        message: data.id,
        state: displayState(jobState),
        ageMs: now - data.acceptedAt,
        attempts: recorded?.attempts ?? job.attemptsMade,
        to: describeDestination(data),
        lastReply: recorded?.lastReply ?? job.failedReason ?? '',
        result: recorded?.result as string | undefined,
      };
    }),
  );
  // A message whose routing failed has no delivery: it is listed under its route job.
  if (state === undefined || state === 'failed') {
    for (const { job, data } of await routeDeadLetters(context)) {
      rows.push({
        delivery: job.id ?? '',
        message: data.id,
        state: 'failed',
        ageMs: now - data.acceptedAt,
        attempts: job.attemptsMade,
        to: 'routing',
        lastReply: job.failedReason ?? '',
        result: 'routing',
      });
    }
  }
  if (json) {
    io.out(printableJson(rows));
    return 0;
  }
  if ((await Promise.all(context.deliver.all.map((queue) => queue.isPaused()))).some(Boolean)) io.out('delivery is PAUSED (mailsort queue resume); ingest keeps accepting');
  if (rows.length === 0) {
    io.out(state ? `no ${state} deliveries` : 'the delivery queue is empty');
    return 0;
  }
  const table = [
    ['DELIVERY', 'STATE', 'AGE', 'ATTEMPTS', 'TO', 'LAST REPLY'],
    ...rows.map((row) =>
      [
        row.delivery,
        row.result === 'expired' || row.result === 'partial' || row.result === 'routing' ? `${row.state}(${row.result})` : row.state,
        formatAge(row.ageMs),
        String(row.attempts),
        row.to,
        row.lastReply,
      ].map(printable),
    ),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((line) => line[column]!.length)));
  for (const line of table) io.out(line.map((cell, column) => (column === line.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  '));
  io.out(`-- ${rows.length} deliver${rows.length === 1 ? 'y' : 'ies'}`);
  return 0;
}

/** `mailsort queue show ID`: everything known about a delivery (or each delivery of a message). */
export async function queueShow(context: QueueContext, target: string, io: Io): Promise<number> {
  const entries = await findDeliveries(context, target, [...ALL_OPEN_TYPES, 'completed']);
  const deadLetters = await findRouteDeadLetters(context, target);
  for (const letter of deadLetters) io.out(printableJson(routeDeadLetterJson(letter), 2));
  if (entries.length === 0 && deadLetters.length === 0) {
    io.err(`QUEUE_ENTRY_UNKNOWN: no delivery or message ${target} in the queue`);
    return 1;
  }
  for (const { job, data, state } of entries) {
    const recorded = await context.states.get(data.deliveryId);
    const raw = await context.store.get(data.id);
    const destination =
      data.destination.kind === 'smtp'
        ? { kind: 'smtp', upstream: data.destination.upstream, envelope: data.destination.envelope, rewrites: data.destination.rewrites }
        : { kind: 'webhook', format: data.destination.format, style: data.destination.style };
    io.out(
      printableJson(
        {
          delivery: data.deliveryId,
          message: data.id,
          state: displayState(state),
          result: recorded?.result ?? null,
          acceptedAt: new Date(data.acceptedAt).toISOString(),
          original: data.original,
          destination,
          attempts: recorded?.attempts ?? job.attemptsMade,
          firstAttemptAt: recorded?.firstAttemptAt ? new Date(recorded.firstAttemptAt).toISOString() : null,
          lastAttemptAt: recorded?.lastAttemptAt ? new Date(recorded.lastAttemptAt).toISOString() : null,
          lastUpstream: recorded?.lastUpstream ?? null,
          lastReply: recorded?.lastReply ?? null,
          reason: recorded?.lastReason || null,
          failedReason: job.failedReason ?? null,
          recipients: recorded?.recipients ?? {},
          storedMessage: raw ? { bytes: raw.length } : null,
        },
        2,
      ),
    );
  }
  return 0;
}
