import { headerSection } from '../mail/header-block.js';
import type { Refused } from '../message-state/message-lifecycle.js';
import { jobId } from '../queues/catalogue.js';
import type { RouteJob } from '../queues/payloads.js';
import type { TraceEvent } from '../store/trace-store.js';
import { ALL_OPEN_TYPES, deliveriesIn, findDeliveries, type Actor, type AdminContext, type AdminReport as Io, type DeliveryEntry } from './admin-context.js';
import { findRouteDeadLetters, routeDeadLetters } from './route-dead-letters.js';

/**
 * The operator's operations on the queue, one implementation for the CLI (`mailsort queue …`)
 * and the console: each says what it did through `io` and returns the CLI's exit code.
 */
function by(actor: Actor, operation: 'retry' | 'delete' | 'replay', event: string, details: Record<string, unknown> = {}): TraceEvent {
  return { at: Date.now(), service: actor.service, command: actor.command(operation), event, ...(actor.user ? { user: actor.user } : {}), ...details };
}

function refused(subject: string, { transition, from }: Refused, io: Io): void {
  io.err(`TRANSITION_REFUSED: ${subject}: ${transition} is not allowed once it is ${from}`);
}

function unknown(target: string, io: Io): number {
  io.err(`QUEUE_ENTRY_UNKNOWN: no delivery or message ${target} in the queue`);
  return 1;
}

async function retryEntry(context: AdminContext, { job, data, state }: DeliveryEntry, io: Io, actor: Actor): Promise<boolean> {
  if (state === 'failed') {
    // A fresh lifetime: an expired dead letter retried by hand gets a full schedule again.
    const restarted = await context.lifecycle.retry(data.id, data.deliveryId, by(actor, 'retry', 'retried', { deliveryId: data.deliveryId }));
    // Delivered per the ledger (its job failed on stalls): the job runs once more only to be counted as finished.
    if (!restarted.ok) io.out(`${data.deliveryId}: already ${restarted.from}; queued only to be counted as finished`);
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    io.out(`${data.deliveryId}: failed → queued`);
    return true;
  }
  if (state === 'delayed') {
    await job.promote();
    io.out(`${data.deliveryId}: delayed → queued (retry now)`);
    return true;
  }
  io.out(`${data.deliveryId}: already ${state}`);
  return false;
}

/** `mailsort queue retry ID|--all-failed`: failed and delayed deliveries are tried again now (postqueue -f / -i). */
export async function queueRetry(context: AdminContext, target: string | undefined, allFailed: boolean, io: Io, actor: Actor): Promise<number> {
  if (!target && !allFailed) {
    io.err('usage: mailsort queue retry ID|--all-failed');
    return 2;
  }
  const entries = allFailed ? await deliveriesIn(context.deliver, ['failed']) : await findDeliveries(context, target!);
  const deadLetters = allFailed ? await routeDeadLetters(context) : await findRouteDeadLetters(context, target!);
  if (entries.length === 0 && deadLetters.length === 0) {
    if (!allFailed) return unknown(target!, io);
    io.out('no failed deliveries');
    return 0;
  }
  for (const entry of entries) await retryEntry(context, entry, io, actor);
  for (const { job } of deadLetters) {
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    io.out(`${job.id}: routing failed → queued for routing again`);
  }
  return 0;
}

const IDLE_WAIT_MS = 3000;

/**
 * A delivery being retried is active only for the moment of an attempt: wait a little for it
 * to be between attempts rather than refuse at once. False if it stayed active.
 */
async function removeWhenIdle(job: DeliveryEntry['job']): Promise<boolean> {
  const deadline = Date.now() + IDLE_WAIT_MS;
  for (;;) {
    try {
      if ((await job.getState()) !== 'active') {
        await job.remove();
        return true;
      }
    } catch (error) {
      // It became active between the check and the removal (the job is locked): wait and look again.
      if (!/locked/i.test((error as Error).message)) throw error;
    }
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * `mailsort queue delete ID` (postsuper -d): the delivery leaves the queue for good and counts
 * as finished; the stored message goes when no other delivery of it is left.
 */
export async function queueDelete(context: AdminContext, target: string, io: Io, actor: Actor): Promise<number> {
  const entries = await findDeliveries(context, target);
  if (entries.length === 0) return unknown(target, io);
  let code = 0;
  for (const { job, data } of entries) {
    if (!(await removeWhenIdle(job))) {
      io.err(`${data.deliveryId}: being delivered right now; try again in a moment (or pause delivery first)`);
      code = 1;
      continue;
    }
    const deleted = await context.lifecycle.delete(data.id, data.deliveryId, by(actor, 'delete', 'deleted', { deliveryId: data.deliveryId }));
    if (!deleted.ok) {
      // Delivered per the ledger: it was counted as finished then; its job is gone now.
      io.out(`${data.deliveryId}: removed from the queue (already ${deleted.from})`);
      continue;
    }
    io.out(`${data.deliveryId}: deleted${deleted.left <= 0 ? ` (message ${data.id} deleted too)` : ''}`);
  }
  return code;
}

/**
 * `mailsort queue replay ID`: a failed message goes through the router again, so a fixed rule
 * applies. Its failed deliveries are removed and a route job is built from the stored message
 * and the envelope ingest accepted. Deliveries the ledger has as delivered are not sent again.
 */
export async function queueReplay(context: AdminContext, target: string, io: Io, actor: Actor): Promise<number> {
  const named = await findDeliveries(context, target, [...ALL_OPEN_TYPES, 'completed']);
  if (named.length === 0) return unknown(target, io);
  const id = named[0]!.data.id;
  const all = await findDeliveries(context, id, [...ALL_OPEN_TYPES, 'completed']);
  const inFlight = all.filter((entry) => entry.state !== 'failed' && entry.state !== 'completed');
  const failed = all.filter((entry) => entry.state === 'failed');
  if (inFlight.length > 0) {
    io.err(
      `message ${id} still has ${inFlight.length} deliver${inFlight.length === 1 ? 'y' : 'ies'} in the queue (${inFlight.map((e) => e.data.deliveryId).join(', ')}); wait for them or delete them first`,
    );
    return 1;
  }
  if (failed.length === 0) {
    io.err(`message ${id} has no failed delivery to replay`);
    return 1;
  }
  const raw = await context.store.get(id);
  if (!raw) {
    io.err(`message ${id} is no longer stored (past delivery.dead_letters.keep_for?); it cannot be replayed`);
    return 1;
  }
  const { original, acceptedAt } = failed[0]!.data;
  // Completed jobs go too, so the router can add deliveries under the same ids again.
  for (const { job } of all) await job.remove();
  const deliveries = failed.map((entry) => entry.data.deliveryId);
  const replayed = await context.lifecycle.replay(id, deliveries, by(actor, 'replay', 'replayed', { deliveries }));
  if (!replayed.ok) {
    refused(`message ${id}`, replayed, io);
    return 1;
  }
  const routeJob: RouteJob = {
    v: 1,
    id,
    envelope: original,
    acceptedAt,
    size: raw.length,
    headers: headerSection(raw),
    client: { address: '127.0.0.1', hostname: actor.service === 'cli' ? 'mailsort-queue-replay' : 'mailsort-console-replay', tls: false },
  };
  const routeJobId = jobId('route', id, 'replay', Date.now());
  await context.route.forId(id).add('message', routeJob, { jobId: routeJobId });
  io.out(`message ${id}: ${failed.length} failed deliver${failed.length === 1 ? 'y' : 'ies'} removed; routed again as ${routeJobId}`);
  return 0;
}

/** `mailsort queue pause|resume`: stop or restart delivery for every sender; ingest and routing go on. */
export async function queuePause(context: AdminContext, pause: boolean, io: Io): Promise<number> {
  await Promise.all(context.deliver.all.map((queue) => (pause ? queue.pause() : queue.resume())));
  io.out(pause ? 'delivery paused: senders finish what they are sending and take nothing new; ingest keeps accepting' : 'delivery resumed');
  return 0;
}
