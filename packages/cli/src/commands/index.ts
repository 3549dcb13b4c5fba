import type { Env } from '@mailsort/core';
import type { Io } from '../io.js';
import { checkConfig } from './check-config.js';
import { dev } from './dev.js';
import { queue, QUEUE_USAGE } from './queue.js';

export interface Command {
  usage: string;
  run(args: string[], env: Env, io: Io): number | Promise<number>;
}

/** Every `mailsort` command other than the four services, one entry each. */
export const COMMANDS: Record<string, Command> = {
  dev: {
    usage: 'dev [--smtp-port 2525] [--sink-port 1025] [--ui-port 8025] [--config FILE]\n      run the whole system locally: Redis, the four services, and a dev mail sink with a web page',
    run: dev,
  },
  'check-config': {
    usage: 'check-config [FILE]\n      validate a configuration (native or mail2alert) with the services\' own loader; exit 1 on any problem',
    run: checkConfig,
  },
  queue: {
    usage: QUEUE_USAGE,
    run: queue,
  },
};
