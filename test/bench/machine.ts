/**
 * How busy is the machine *apart from the bench*? The bench shares two
 * cores with whatever else runs (other test suites, editors, builds), and a
 * window in which something else took half a core says more about that
 * something than about the contenders. So around every measured window we
 * read the kernel's CPU counters and subtract what the bench itself used
 * (the server, the load generator, and Redis / MariaDB, which serve the
 * store contenders); what remains is foreign load, recorded with every
 * sample so a reader can see how quiet the machine was.
 *
 * One kind of interference stays invisible from inside: on a virtual
 * machine, the host may be busy with other guests. That is why the runner
 * interleaves contenders in short turns rather than trusting any one window.
 *
 * Linux only (/proc); elsewhere the check is skipped and reported as such.
 *
 * See chapters/perf-method.md#noise
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Kernel clock ticks per second, the unit of /proc CPU counters. */
const TICK_HZ = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Processes whose CPU time counts as the bench's own: the stores' servers. */
const SERVICE_NAMES = new Set(['redis-server', 'mariadbd', 'mysqld']);

function servicePids(): number[] {
  const pids: number[] = [];
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (SERVICE_NAMES.has(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) {
          pids.push(Number(entry));
        }
      } catch {
        // The process ended while we looked: nothing to count.
      }
    }
  } catch {
    // No /proc: not Linux.
  }
  return pids;
}

/** User + system CPU of one process, in µs (fields 14 and 15 of /proc/pid/stat). */
function processCpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: split after its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICK_HZ;
  } catch {
    return 0;
  }
}

export interface MachineSnapshot {
  /** CPU time used by everything on the machine, µs; NaN when unknown. */
  busyMicros: number;
  /** CPU time used by the stores' servers, µs. */
  servicesMicros: number;
  /** CPU time used by this process (the load generator), µs. */
  selfMicros: number;
  /** Wall clock, µs. */
  at: number;
}

const pids = servicePids();

/** CPU time used so far by the processes named `name` (e.g. `redis-server`), µs. */
export function serviceCpuMicros(name: string): number {
  let total = 0;
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name) total += processCpuMicros(pid);
    } catch {
      // Gone: nothing to add.
    }
  }
  return total;
}

export function snapshot(): MachineSnapshot {
  let busyMicros = Number.NaN;
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] as string;
    // cpu  user nice system idle iowait irq softirq steal guest guest_nice
    const [user, nice, system, , , irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    busyMicros =
      (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) *
        1e6) /
      TICK_HZ;
  } catch {
    // Not Linux: leave NaN.
  }
  const { user, system } = process.cpuUsage();
  return {
    busyMicros,
    servicesMicros: pids.reduce((sum, pid) => sum + processCpuMicros(pid), 0),
    selfMicros: user + system,
    at: Number(process.hrtime.bigint() / 1000n),
  };
}

/**
 * Cores' worth of CPU used by processes other than the bench between two
 * snapshots, given the server's own CPU time over the same span. Counters
 * tick at 10 ms, so small values are noise: treat anything under ~0.05 as
 * zero. NaN when the machine cannot tell.
 */
export function foreignCores(
  before: MachineSnapshot,
  after: MachineSnapshot,
  serverMicros: number,
): number {
  const wall = after.at - before.at;
  if (!(wall > 0) || Number.isNaN(before.busyMicros)) return Number.NaN;
  const ours =
    serverMicros +
    (after.selfMicros - before.selfMicros) +
    (after.servicesMicros - before.servicesMicros);
  return Math.max(0, (after.busyMicros - before.busyMicros - ours) / wall);
}
