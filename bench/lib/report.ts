import { DeliveryFigures } from './delivery-run';
import { fixed, ratio, WorkloadReport } from './workload';

/** The machine and conditions of a run; every figure is read against its own baseline because the host is shared. */
export interface RunInfo {
  runId: string;
  startedAt: string;
  mode: 'quick' | 'full';
  commit: string;
  node: string;
  cpus: string;
  memoryGiB: number;
  loadAverageBefore: number[];
  loadAverageAfter: number[];
  durationSeconds: number;
}

interface Row {
  label: string;
  value: (figures: DeliveryFigures) => number | string;
  /** Ratio column shown (numbers only). */
  ratio?: boolean;
}

const ROWS: Row[] = [
  { label: 'deliveries/s', value: (f) => fixed(f.deliveriesPerSec, 0), ratio: true },
  { label: 'publishes/s', value: (f) => fixed(f.publishesPerSec, 0), ratio: true },
  { label: 'latency p50 (ms)', value: (f) => f.latency.p50, ratio: true },
  { label: 'latency p95 (ms)', value: (f) => f.latency.p95, ratio: true },
  { label: 'latency p99 (ms)', value: (f) => f.latency.p99, ratio: true },
  { label: 'latency max (ms)', value: (f) => f.latency.max, ratio: true },
  { label: 'lost / duplicates', value: (f) => `${f.lost} / ${f.duplicates}${f.misdelivered ? ` (+${f.misdelivered} misdelivered)` : ''}` },
  { label: 'server CPU s per 1,000 deliveries', value: (f) => fixed(f.cpuSecondsPer1000Deliveries, 4), ratio: true },
  { label: 'server CPU s / load-client CPU s (measured phase)', value: (f) => `${fixed(f.cpuSeconds)} / ${fixed(f.clientCpuSeconds)}` },
  { label: 'server RSS per idle socket (KiB)', value: (f) => fixed(f.rssPerSocketBytes / 1024, 1), ratio: true },
  { label: 'connects/s', value: (f) => fixed(f.connectsPerSec, 0), ratio: true },
];

const SLOW_ROWS: Row[] = [
  {
    label: 'slow sockets closed (code: count)',
    value: (f) =>
      f.slow
        ? Object.entries(f.slow.closes)
            .map(([code, n]) => `${code}: ${n}`)
            .join(', ') || 'none'
        : '-',
  },
  { label: 'peak server RSS growth while publishing (MiB)', value: (f) => fixed(f.peakRssGrowthBytes / 1_048_576, 1), ratio: true },
  { label: 'server RSS kept after publishing, after GC (MiB)', value: (f) => fixed(f.retainedRssGrowthBytes / 1_048_576, 1) },
];

/** One markdown section per workload: a table of every setup and the subject/reference ratio, then the targets. */
export function markdown(info: RunInfo, reports: readonly WorkloadReport[]): string {
  const lines = [
    `### ${info.startedAt} (${info.mode}, commit ${info.commit})`,
    '',
    `${info.cpus}, ${info.memoryGiB} GiB, Node ${info.node}; load average ${info.loadAverageBefore.map((l) => l.toFixed(2)).join(' ')} before, ` +
      `${info.loadAverageAfter.map((l) => l.toFixed(2)).join(' ')} after; ${Math.round(info.durationSeconds)} s. Run id \`${info.runId}\`.`,
    '',
  ];
  for (const report of reports) {
    lines.push(
      `#### ${report.name}`,
      '',
      `${report.description}; ${Object.entries(report.config)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}.`,
      '',
    );
    if (report.error) lines.push(`**Failed:** ${report.error.split('\n')[0]}`, '');
    const names = Object.keys(report.setups);
    if (names.length > 0) {
      const subject = report.setups[report.subject];
      const reference = report.setups[report.reference];
      lines.push(`| | ${names.join(' | ')} | ${report.subject} / ${report.reference} |`, `|---|${names.map(() => '---:').join('|')}|---:|`);
      const rows = report.name === 'slow-consumer' ? [...ROWS, ...SLOW_ROWS] : ROWS;
      for (const row of rows) {
        const cells = names.map((name) => String(row.value(report.setups[name])));
        const r = row.ratio && subject && reference ? fixed(ratio(Number(row.value(subject)), Number(row.value(reference)))) : '';
        lines.push(`| ${row.label} | ${cells.join(' | ')} | ${r} |`);
      }
      lines.push('');
    }
    for (const target of report.targets) lines.push(`- ${target.met ? 'met' : '**not met**'}: ${target.target}: ${target.detail}`);
    for (const note of report.notes) lines.push(`- ${note}`);
    lines.push('');
  }
  return lines.join('\n');
}
