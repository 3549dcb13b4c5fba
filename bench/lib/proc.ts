import { readFileSync, readdirSync } from 'node:fs';

const CLOCK_TICKS = 100;

/** One line of /proc/<pid>/status in kB (VmHWM is the peak resident set), or undefined once gone. */
export function statusKb(pid: number, field: 'VmHWM' | 'VmRSS' | 'Pss'): number | undefined {
  try {
    // Pss (shared pages divided among the processes that share them) is in smaps_rollup.
    const file = field === 'Pss' ? `/proc/${pid}/smaps_rollup` : `/proc/${pid}/status`;
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(file, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

interface Stat {
  comm: string;
  ppid: number;
  /** utime + stime, seconds. */
  cpu: number;
  /** cutime + cstime: CPU of children it has reaped, seconds. */
  childrenCpu: number;
}

export function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // fields[0] is state (field 3); utime is field 14, so fields[11].
    const n = (i: number) => Number(fields[i]) / CLOCK_TICKS;
    return { comm, ppid: Number(fields[1]), cpu: n(11) + n(12), childrenCpu: n(13) + n(14) };
  } catch {
    return undefined;
  }
}

export function childrenOf(parent: number): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (stat(pid)?.ppid === parent) found.push(pid);
  }
  return found;
}

/**
 * Samples a process tree (a Postfix master and the daemons it forks, which come and go) and
 * keeps each process kind's peak VmHWM and the peak of the tree's summed PSS (summing RSS
 * would count the shared libraries of a hundred smtpd processes a hundred times).
 */
export function sampleTree(root: () => number | undefined, everyMs = 200) {
  const peakByName = new Map<string, number>();
  const seen = new Set<number>();
  let peakTotal = 0;
  const sample = () => {
    const master = root();
    if (master === undefined) return;
    let total = 0;
    for (const pid of [master, ...childrenOf(master)]) {
      const comm = stat(pid)?.comm ?? '?';
      const hwm = statusKb(pid, 'VmHWM');
      total += statusKb(pid, 'Pss') ?? 0;
      seen.add(pid);
      if (hwm !== undefined) peakByName.set(comm, Math.max(peakByName.get(comm) ?? 0, hwm));
    }
    peakTotal = Math.max(peakTotal, total);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      sample();
      clearInterval(timer);
      return { peakByName: Object.fromEntries(peakByName), peakTotalKb: peakTotal, processes: seen.size };
    },
  };
}

/** CPU seconds a process tree has used so far: its own, its live children's, and the reaped ones'. */
export function treeCpu(root: number): number {
  const self = stat(root);
  if (!self) return 0;
  return self.cpu + self.childrenCpu + childrenOf(root).reduce((sum, pid) => sum + (stat(pid)?.cpu ?? 0), 0);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
