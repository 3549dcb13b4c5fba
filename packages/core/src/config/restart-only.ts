import { deepFreeze } from './load-config.js';
import type { Config } from './schema/index.js';
import { formatPath, type ConfigPath } from './yaml-locate.js';

/**
 * Keys a running process cannot change without a restart: its sockets (listeners, ops HTTP
 * ports), its Redis connections and key prefix, BullMQ's lock duration, the circuit breakers' thresholds, and the reload
 * settings themselves. Everything else applies on reload.
 */
export const RESTART_ONLY: readonly ConfigPath[] = [['redis'], ['http'], ['ingest', 'listeners'], ['delivery', 'stalled_after'], ['delivery', 'breaker'], ['reload']];

export interface ReloadPlan {
  config: Config;
  /** Restart-only keys that changed; the running value was kept for each. */
  kept: string[];
}

function get(value: unknown, path: ConfigPath): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown> | undefined)?.[key], value);
}

function set(value: unknown, path: ConfigPath, leaf: unknown): void {
  const parent = get(value, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path[path.length - 1]!] = structuredClone(leaf);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The config a reload applies: `next`, except that every restart-only key keeps its running
 * value. Turning ingest TLS on or off changes what the listeners offer, so that needs a restart
 * too; new certificate files or TLS settings do not.
 */
export function planReload(running: Config, next: Config): ReloadPlan {
  const config = structuredClone(next) as Config;
  const kept: string[] = [];
  for (const path of RESTART_ONLY) {
    if (same(get(running, path), get(next, path))) continue;
    set(config, path, get(running, path));
    kept.push(formatPath(path));
  }
  if ((running.ingest.tls === undefined) !== (next.ingest.tls === undefined)) {
    const tls = running.ingest.tls;
    if (tls) config.ingest.tls = structuredClone(tls);
    else delete (config.ingest as { tls?: unknown }).tls;
    kept.push('ingest.tls');
  }
  return { config: deepFreeze(config), kept };
}
