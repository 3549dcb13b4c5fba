import type { Logger } from 'pino';

export interface ShutdownStep {
  name: string;
  run: () => Promise<void> | void;
}

export interface ShutdownOptions {
  logger: Logger;
  /** Past this the process is forced out with exit code 1. */
  deadlineMs: number;
  exit: (code: number) => void;
}

/**
 * STYLE item 7: one ordered routine. Every step runs even if an earlier one throws; a second
 * signal or the deadline forces the exit.
 */
export function createShutdown(steps: ShutdownStep[], { logger, deadlineMs, exit }: ShutdownOptions) {
  let running: Promise<number> | undefined;

  async function runSteps(reason: string): Promise<number> {
    logger.info({ reason }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ code: 'SHUTDOWN_STEP_FAILED', deadlineMs }, 'shutdown deadline passed; forcing exit');
      exit(1);
    }, deadlineMs);
    timer.unref();
    let code = 0;
    for (const step of steps) {
      try {
        await step.run();
      } catch (error) {
        code = 1;
        logger.error({ code: 'SHUTDOWN_STEP_FAILED', step: step.name, err: error }, 'shutdown step failed');
      }
    }
    clearTimeout(timer);
    logger.info({ exitCode: code }, 'stopped');
    return code;
  }

  return {
    /** Runs the steps once; later calls get the same result. */
    run(reason: string): Promise<number> {
      running ??= runSteps(reason);
      return running;
    },
    get started(): boolean {
      return running !== undefined;
    },
  };
}
