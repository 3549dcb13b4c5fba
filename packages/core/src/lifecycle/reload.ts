import type { Logger } from 'pino';
import { ConfigError, formatProblem, loadConfigFile } from '../config/load-config.js';
import type { Env } from '../config/interpolate.js';
import { planReload } from '../config/restart-only.js';
import type { Config } from '../config/schema/index.js';
import { errorCodeOf } from '../errors.js';
import type { ReloadMetrics } from '../metrics/catalogue.js';

export interface ReloaderOptions {
  file: string;
  env: Env;
  logger: Logger;
  metrics: ReloadMetrics;
  running: Config;
  /** Swaps the service onto the new config; throws to refuse it (the old one stays). */
  apply: (config: Config) => Promise<void> | void;
}

export type ReloadResult = 'applied' | 'invalid' | 'failed';

/**
 * Re-reads and re-validates the config file and hands the service a config in which every
 * restart-only key keeps its running value. A config that fails validation, or that the
 * service cannot apply, never replaces the running one. Reloads run one at a time; one asked
 * for while another runs is done once after it, with the file as it is then.
 */
export function createReloader({ file, env, logger, metrics, running, apply }: ReloaderOptions) {
  let current = running;
  let active: Promise<ReloadResult> | undefined;
  let again: Promise<ReloadResult> | undefined;
  metrics.success.set(1);
  metrics.timestamp.set(Date.now() / 1000);

  function refused(result: ReloadResult): ReloadResult {
    metrics.success.set(0);
    metrics.reloads.inc({ result });
    return result;
  }

  async function reloadOnce(reason: string): Promise<ReloadResult> {
    let next: Config;
    try {
      ({ config: next } = loadConfigFile(file, env));
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems.map(formatProblem) : [(error as Error).message];
      logger.error({ code: 'CONFIG_INVALID', reason, file, problems }, `configuration reload refused; the running configuration stays:\n${problems.join('\n')}`);
      return refused('invalid');
    }
    const plan = planReload(current, next);
    for (const key of plan.kept) {
      logger.warn({ code: 'CONFIG_RESTART_REQUIRED', reason, key }, `${key} changed; it takes effect only after a restart, the running value is kept`);
    }
    try {
      await apply(plan.config);
    } catch (error) {
      logger.error(
        { code: errorCodeOf(error) === 'CONFIG_INVALID' ? 'CONFIG_INVALID' : 'CONFIG_RELOAD_FAILED', reason, err: error },
        'configuration reload could not be applied; the running configuration stays',
      );
      return refused('failed');
    }
    current = plan.config;
    metrics.success.set(1);
    metrics.timestamp.set(Date.now() / 1000);
    metrics.reloads.inc({ result: 'applied' });
    logger.info({ reason, kept: plan.kept }, 'configuration reloaded');
    return 'applied';
  }

  function reload(reason: string): Promise<ReloadResult> {
    if (!active) {
      active = reloadOnce(reason).finally(() => (active = undefined));
      return active;
    }
    again ??= active.then(() => {
      again = undefined;
      return reload(reason);
    });
    return again;
  }

  return {
    reload,
    get config(): Config {
      return current;
    },
  };
}

export type Reloader = ReturnType<typeof createReloader>;
