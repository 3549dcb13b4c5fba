/** The master a process's connections reach, as far as it has seen, and how often it changed. */
export interface MasterSeen {
  address: string | undefined;
  failovers: number;
}

export interface MasterChange {
  seen: MasterSeen;
  /** Set when a connection came up on another master than the last one: a failover seen. */
  failover?: { from: string; to: string };
}

/**
 * What a connection that became ready at `address` says about the master. The first address
 * is no failover, nor is a connection that comes back to the same one (a restart, a blip);
 * any other address is, once however many connections follow it there.
 */
export function noteMaster(seen: MasterSeen, address: string | undefined): MasterChange {
  if (address === undefined || address === seen.address) return { seen };
  if (seen.address === undefined) return { seen: { ...seen, address } };
  return { seen: { address, failovers: seen.failovers + 1 }, failover: { from: seen.address, to: address } };
}

export type RedisRoleName = 'master' | 'replica' | 'unreachable';

/**
 * The ROLE reply of the node a connection is on: a master lists its connected replicas
 * (`['master', offset, [[ip, port, offset], …]]`), a replica names its master
 * (`['slave', ip, port, state, offset]`). Anything else (an error, no answer) is unreachable.
 */
export function roleOf(reply: unknown): { role: RedisRoleName; replicas: number } {
  if (!Array.isArray(reply)) return { role: 'unreachable', replicas: 0 };
  if (reply[0] === 'master') return { role: 'master', replicas: Array.isArray(reply[2]) ? reply[2].length : 0 };
  if (reply[0] === 'slave' || reply[0] === 'replica') return { role: 'replica', replicas: 0 };
  return { role: 'unreachable', replicas: 0 };
}
