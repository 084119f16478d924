import { readFileSync } from 'node:fs';

/**
 * Summarizes a V8 `.cpuprofile` (`node --cpu-prof`): self time by function
 * and by package, and inclusive time of the functions that matter most.
 *
 *   node dist/bench/profile-summary.js bench/results/profiles/herald-fanout.cpuprofile [top]
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled time excluding `(idle)`, in ms. */
  busyMs: number;
  idleMs: number;
  byPackage: Array<{ name: string; selfMs: number; share: number }>;
  byFunction: Array<{ name: string; selfMs: number; share: number }>;
  inclusive: Array<{ name: string; totalMs: number; share: number }>;
}

/** Where a frame's code lives: a package under node_modules, Herald's own code, Node's internals, or a V8 pseudo-frame. */
function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (module) return module[1];
  if (url.startsWith('node:')) return 'node core';
  if (url.includes('/dist/src/')) return 'herald src';
  if (url.includes('/dist/bench/')) return 'bench';
  return url;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\/(node_modules\/|dist\/)/, '').replace(/^file:\/\//, '');
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
}

/**
 * @param window only samples taken within [from, to], µs on CLOCK_MONOTONIC (V8's profile clock on Linux, and the
 *   benchmark's `nowMicros()`), e.g. the measured phase without start-up and warm-up.
 */
export function summarizeProfile(path: string, top = 25, window?: readonly [number, number]): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window[0] || at > window[1])) return;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });

  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let idleMs = 0;
  let busyMs = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    busyMs += ms;
    const pkg = packageOf(node.callFrame.url, node.callFrame.functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + ms);
    functions.set(frameName(node), (functions.get(frameName(node)) ?? 0) + ms);
    // Inclusive time: each distinct function on the stack once.
    const seen = new Set<string>();
    for (let frame: number | undefined = id; frame !== undefined; frame = parent.get(frame)) {
      const name = frameName(byId.get(frame)!);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
    }
  }
  const ranked = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), share: Math.round((ms / busyMs) * 1000) / 10 }));
  return {
    busyMs: Math.round(busyMs),
    idleMs: Math.round(idleMs),
    byPackage: ranked(packages).map(({ name, ms, share }) => ({ name, selfMs: ms, share })),
    byFunction: ranked(functions).map(({ name, ms, share }) => ({ name, selfMs: ms, share })),
    inclusive: ranked(new Map([...inclusive].filter(([name]) => !name.startsWith('(root)') && !name.startsWith('(program)')))).map(({ name, ms, share }) => ({
      name,
      totalMs: ms,
      share,
    })),
  };
}

if (require.main === module) {
  const [path, top, from, to] = process.argv.slice(2);
  if (!path) {
    console.error('usage: node dist/bench/profile-summary.js <file.cpuprofile> [top] [from-µs to-µs]');
    process.exit(2);
  }
  const summary = summarizeProfile(path, top ? Number(top) : 25, from && to ? [Number(from), Number(to)] : undefined);
  console.log(`busy ${summary.busyMs} ms, idle ${summary.idleMs} ms\n\nself time by package:`);
  for (const row of summary.byPackage) console.log(`  ${row.share.toFixed(1).padStart(5)}%  ${row.selfMs} ms  ${row.name}`);
  console.log('\nself time by function:');
  for (const row of summary.byFunction) console.log(`  ${row.share.toFixed(1).padStart(5)}%  ${row.selfMs} ms  ${row.name}`);
  console.log('\ninclusive time:');
  for (const row of summary.inclusive) console.log(`  ${row.share.toFixed(1).padStart(5)}%  ${row.totalMs} ms  ${row.name}`);
}
