import { Redis, type RedisOptions } from 'ioredis';

/** Where the Sentinels moved a master: `host:port` before and after. */
export interface MasterSwitch {
  from: string;
  to: string;
}

/** A `+switch-master` message (`<name> <old-ip> <old-port> <new-ip> <new-port>`) about `name`, or undefined. */
export function switchOf(message: string, name: string): MasterSwitch | undefined {
  const [master, fromHost, fromPort, toHost, toPort] = message.trim().split(/\s+/);
  if (master !== name || toPort === undefined) return undefined;
  return { from: `${fromHost}:${fromPort}`, to: `${toHost}:${toPort}` };
}

/** A Sentinel's failover beginning (it picks the replica to promote) or ending (done, or given up) for `name`: `<type> <name> <ip> <port>`. */
export function failoverEventOf(channel: string, message: string, name: string): 'begun' | 'ended' | undefined {
  if (message.trim().split(/\s+/)[1] !== name) return undefined;
  if (channel === BEGUN) return 'begun';
  return ENDED.includes(channel) ? 'ended' : undefined;
}

const SWITCH = '+switch-master';
const BEGUN = '+failover-state-select-slave';
const ENDED = ['+failover-end', '+failover-end-for-timeout', '-failover-abort-no-good-slave', '-failover-abort-not-elected', '-failover-abort-slave-timeout'];

export interface SentinelSwitchWatch {
  close(): void;
}

export interface SentinelSwitchListener {
  /** A Sentinel began a failover: from now until `onSwitch` or `onEnded`, the old master's writes may be thrown away. */
  onBegun(): void;
  /** The Sentinels name another master; once per switch, however many Sentinels announce it. */
  onSwitch(change: MasterSwitch): void;
  /** The failover ended (after its switch) or was given up. */
  onEnded(): void;
}

/**
 * Subscribes to a failover's beginning, `+switch-master` and its end on every Sentinel of a
 * `sentinel` target (its password and TLS). Only the Sentinel that runs a failover announces
 * its beginning and end; every one announces the switch.
 * Why: after a planned `SENTINEL FAILOVER` the old master goes on taking writes for about ten
 * seconds (until a Sentinel's next look at it turns it into a replica) and those writes are
 * then thrown away; connections left there until their first READONLY lose what they did.
 * Not ioredis's failoverDetector: that one disconnects a connect in progress (connection-options.ts).
 */
export function watchSentinelSwitch(options: RedisOptions, listener: SentinelSwitchListener): SentinelSwitchWatch {
  const name = options.name ?? '';
  let last = '';
  const subscribers = (options.sentinels ?? []).map(({ host, port }) => {
    const sentinel = new Redis({
      host,
      port,
      ...(options.sentinelPassword !== undefined ? { password: options.sentinelPassword } : {}),
      ...(options.enableTLSForSentinelMode && options.sentinelTLS ? { tls: options.sentinelTLS } : {}),
      // The Sentinels may be away for a while (all of them down at start): retry quietly.
      retryStrategy: (times) => Math.min(times * 200, 2000),
      maxRetriesPerRequest: null,
    });
    // Its state is not news: the data connections log theirs.
    sentinel.on('error', () => undefined);
    sentinel.subscribe(SWITCH, BEGUN, ...ENDED).catch(() => undefined);
    sentinel.on('message', (channel: string, message: string) => {
      if (channel !== SWITCH) {
        const event = failoverEventOf(channel, message, name);
        if (event === 'begun') listener.onBegun();
        else if (event === 'ended') listener.onEnded();
        return;
      }
      const change = switchOf(message, name);
      if (!change || `${change.from}>${change.to}` === last) return;
      last = `${change.from}>${change.to}`;
      listener.onSwitch(change);
    });
    return sentinel;
  });
  return {
    close() {
      for (const sentinel of subscribers) sentinel.disconnect();
    },
  };
}
