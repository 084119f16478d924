import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`; 100 on Linux). */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time and resident memory of a process tree, read from /proc (Linux only). */
export interface ProcSample {
  /** utime + stime of every process in the tree, in seconds. */
  cpuSeconds: number;
  /** Sum of VmRSS of every process in the tree, in bytes. */
  rssBytes: number;
}

/** The pid and its descendants (cluster workers are children of the primary). */
export function processTree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      const children = readFileSync(`/proc/${pids[i]}/task/${pids[i]}/children`, 'utf8').trim();
      if (children) pids.push(...children.split(/\s+/).map(Number));
    } catch (error) {
      // The process exited between listing and reading: it has no children to add.
      if (!isGone(error)) throw error;
    }
  }
  return pids;
}

export function sampleProcess(pid: number): ProcSample {
  let ticks = 0;
  let rssKiB = 0;
  for (const one of processTree(pid)) {
    try {
      // Fields after the parenthesised command name: utime and stime are fields 14 and 15 (proc(5)).
      const stat = readFileSync(`/proc/${one}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${one}/status`, 'utf8'));
      rssKiB += rss ? Number(rss[1]) : 0;
    } catch (error) {
      // Exited meanwhile; its time is lost, which only happens at shutdown.
      if (!isGone(error)) throw error;
    }
  }
  return { cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND, rssBytes: rssKiB * 1024 };
}

/** Samples a process tree's RSS every `intervalMs` and keeps the peak, until stopped. */
export class RssWatcher {
  peakBytes = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pids: readonly number[],
    intervalMs = 100,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peakBytes;
  }

  private sample(): void {
    const total = this.pids.reduce((sum, pid) => sum + sampleProcess(pid).rssBytes, 0);
    this.peakBytes = Math.max(this.peakBytes, total);
  }
}

/** Sums samples of several server processes (two instances). */
export function sampleAll(pids: readonly number[]): ProcSample {
  return pids
    .map(sampleProcess)
    .reduce((a, b) => ({ cpuSeconds: a.cpuSeconds + b.cpuSeconds, rssBytes: a.rssBytes + b.rssBytes }), { cpuSeconds: 0, rssBytes: 0 });
}

/** Microseconds on the system-wide monotonic clock (CLOCK_MONOTONIC): comparable across processes on one machine. */
export function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function isGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ESRCH';
}

/** Asks every process of the trees for a full GC (server-preload.ts) and waits for it, so RSS reflects live memory. */
export async function collectGarbage(pids: readonly number[], waitMs: number): Promise<void> {
  for (const pid of pids.flatMap(processTree)) {
    try {
      process.kill(pid, 'SIGWINCH');
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }
  await new Promise((resolve) => setTimeout(resolve, waitMs));
}
