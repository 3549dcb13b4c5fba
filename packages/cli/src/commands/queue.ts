import { CLI_ACTOR, queueDelete, queuePause, queueReplay, queueRetry, type Env } from '@mailsort/core';
import type { Io } from '../io.js';
import { openQueueContext, parseQueueArgs } from './queue-context.js';
import { queueList, queueShow } from './queue-list.js';

export const QUEUE_USAGE = `queue list [--state queued|delayed|failed] [--json] | show ID | retry ID|--all-failed | delete ID | replay ID | pause | resume   [--config FILE]
      the delivery queue, Postfix style: ID is a delivery id (d-…) or a message id (M…, all its deliveries)`;

/** `mailsort queue …`: inspect and act on the delivery queue and its dead letters. */
export async function queue(args: string[], env: Env, io: Io): Promise<number> {
  const parsed = parseQueueArgs(args);
  const [sub, target] = parsed.positionals;
  const needsTarget = sub === 'show' || sub === 'delete' || sub === 'replay';
  if (!sub || !['list', 'show', 'retry', 'delete', 'replay', 'pause', 'resume'].includes(sub) || (needsTarget && !target)) {
    io.err(`usage: mailsort ${QUEUE_USAGE}`);
    return 2;
  }
  const context = await openQueueContext(parsed.values.config, env, io);
  if (!context) return 2;
  try {
    switch (sub) {
      case 'list':
        return await queueList(context, parsed.values.state, parsed.values.json ?? false, io);
      case 'show':
        return await queueShow(context, target!, io);
      case 'retry':
        return await queueRetry(context, target, parsed.values['all-failed'] ?? false, io, CLI_ACTOR);
      case 'delete':
        return await queueDelete(context, target!, io, CLI_ACTOR);
      case 'replay':
        return await queueReplay(context, target!, io, CLI_ACTOR);
      default:
        return await queuePause(context, sub === 'pause', io);
    }
  } catch (error) {
    io.err(`mailsort queue ${sub}: ${(error as Error).message}`);
    return 1;
  } finally {
    await context.close();
  }
}
