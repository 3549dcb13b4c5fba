import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema/index.js';
import type { RedisFactory } from '../redis/connections.js';

/** What every service's `createXService(config, deps)` receives. */
export interface ServiceDeps {
  logger: Logger;
  registry: Registry;
  redis: RedisFactory;
}

/**
 * A running service as the shutdown routine sees it: intake stops first, then in-flight work
 * finishes (workers close), then producers close. Redis and logs are closed by the runner.
 */
export interface Service {
  start(): Promise<void>;
  isReady(): boolean;
  stopIntake(): Promise<void>;
  closeWorkers(): Promise<void>;
  closeProducers(): Promise<void>;
  /**
   * Swaps onto a new, valid config (restart-only keys already hold their running values) for
   * the next session, message or job; work in flight finishes on the config it started with.
   * Throws, leaving the running config in place, when the new one cannot be applied.
   */
  reload?(config: Config): Promise<void> | void;
}

export type ServiceFactory = (config: Config, deps: ServiceDeps) => Service | Promise<Service>;
